"""A run of the series, stated once: the settings every notebook shares.

A run is Config's fields plus SHARED, the settings of one notebook that a later one reads (notebook
05's levels, whose results notebook 06 reads). They come from DEFAULTS and SHARED, then the JSON
file $SPARSE_SETTINGS names (a whole run: `make figures SETTINGS=path`), then a notebook's SETTINGS
parameter (a dict, or the path of such a file). Every notebook reads its run with series(SETTINGS),
so one that reads another's results asks for exactly the settings that one ran with.
"""
import json
import os
from dataclasses import fields
from pathlib import Path
from typing import NamedTuple

from .config import DEFAULTS, Config
from .validate import as_int

# Not Config fields (a new field would change every result's key): notebook 05's IMP rounds whose
# sparsity it tests (49% to 97%) and its masks per level and way; notebook 06 reads its results.
SHARED = {"levels": (3, 5, 7, 9, 11, 13, 15, 16), "masks_per_level": 25}
EXAMPLE = '{"prune_rate": 0.3, "seeds": [0, 1]}'


class Series(NamedTuple):
    """One run of the series: the Config and the shared settings outside it."""
    cfg: Config
    levels: list
    masks_per_level: int


def names():
    """Every setting a run may state: Config's fields, then SHARED's."""
    return [f.name for f in fields(Config)] + list(SHARED)


def read_file(path, named):
    """The settings a JSON file holds (a dict), or a ValueError naming the file and the fix."""
    if not isinstance(path, (str, os.PathLike)) or not str(path).strip():
        raise ValueError(f"{named} must be a dict of settings or the path of a JSON file of them, "
                         f"e.g. {EXAMPLE}; got {path!r}")
    path = Path(path).expanduser()
    if not path.is_file():
        raise ValueError(f"{named} names {str(path)!r}, which is not a file; give the path of a JSON "
                         f"file of settings, e.g. one holding {EXAMPLE}")
    try:
        return json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"{named}: {str(path)!r} is not valid JSON ({err}); write the settings as "
                         f"one JSON object, e.g. {EXAMPLE}") from None


def as_settings(settings, named):
    """settings (a dict, or the path of a JSON file of one) as a dict of known settings."""
    if not isinstance(settings, dict):
        settings = read_file(settings, named)
    if not isinstance(settings, dict):
        raise ValueError(f"{named} must hold one JSON object of settings, e.g. {EXAMPLE}; got "
                         f"{type(settings).__name__} {settings!r:.60}")
    if unknown := sorted(set(settings) - set(names())):
        raise ValueError(f"{named} has unknown setting(s) {unknown}; a run's settings are {names()} "
                         f"(Config's fields, in lower case, and {list(SHARED)})")
    return dict(settings)


def as_levels(levels):
    """Levels as a list of IMP rounds (whole numbers >= 1), or a ValueError."""
    if isinstance(levels, (str, bytes, dict)) or not hasattr(levels, "__iter__"):
        raise ValueError(f"levels must be a list of IMP rounds, e.g. [3, 11]; got {levels!r}")
    return [as_int(r, "each of levels", minimum=1, example=11) for r in levels]


def series(settings=None):
    """This run's settings: DEFAULTS and SHARED, then the JSON file $SPARSE_SETTINGS names, then
    settings (a notebook's SETTINGS: a dict, or the path of a JSON file); each refused with a
    ValueError naming it and the fix."""
    merged = dict(SHARED)
    if os.environ.get("SPARSE_SETTINGS", "").strip():
        merged.update(as_settings(os.environ["SPARSE_SETTINGS"], "$SPARSE_SETTINGS"))
    if settings is not None:
        merged.update(as_settings(settings, "SETTINGS"))
    cfg = DEFAULTS.but(**{k: v for k, v in merged.items() if k not in SHARED})
    return Series(cfg, as_levels(merged["levels"]),
                  as_int(merged["masks_per_level"], "masks_per_level", minimum=1, example=25))
