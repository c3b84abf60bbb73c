"""Where the repository keeps its data, results and figures, and the variables that move them."""
import hashlib
import json
import os
from pathlib import Path


def _repo_root():
    """The repository root for an editable install, else the working directory."""
    here = Path(__file__).resolve().parents[2]
    return here if (here / "pyproject.toml").exists() else Path.cwd()


REPO_ROOT = _repo_root()
RESULTS_DIR = REPO_ROOT / "results"  # what the committed notebooks computed, committed with them


def folder_from_env(name, default):
    """The folder $name names, else default; a ValueError if it is set but empty."""
    value = os.environ.get(name)
    if value is None:
        return Path(default)
    if not value.strip():
        raise ValueError(f"{name} is set but empty; unset it to use {default}, or set it to a "
                         f"folder, e.g. {name}={default}")
    return Path(value)


# The notebook run in this process, as set_run declared it: its name and the settings in which it
# differs from the committed notebook. Only a run that differs in none writes figures/.
_RUN = {"notebook": None, "changed": {}}


def set_run(notebook, changed):
    """Declare that this process runs the notebook named notebook (e.g. "01_train_baseline") with
    the settings in changed ({name: value}) differing from its committed ones; {} for none."""
    if not isinstance(notebook, str) or not notebook.strip() or "/" in notebook:
        raise ValueError(f"notebook must be a notebook's name, e.g. '01_train_baseline'; got {notebook!r}")
    _RUN.update(notebook=notebook, changed=dict(changed))


def run_changes():
    """The declared run's settings that differ from the committed ones ({} when none or no run)."""
    return dict(_RUN["changed"])


def run_label():
    """'<notebook>-<digest of the differing settings>', the declared run's own folder name."""
    text = json.dumps(_RUN["changed"], sort_keys=True, default=str)
    return f"{_RUN['notebook']}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def figures_dir():
    """The folder figures are written to: $SPARSE_FIGURES_DIR when it is set; else figures/ for a
    run at the committed settings (or when no run was declared); else, for a run with other
    settings, build/figures/<notebook>-<digest of those settings>/, so that it never overwrites
    the committed figures."""
    default = REPO_ROOT / "figures"
    if _RUN["changed"]:
        default = REPO_ROOT / "build" / "figures" / run_label()
    folder = folder_from_env("SPARSE_FIGURES_DIR", default)
    named = "SPARSE_FIGURES_DIR" if os.environ.get("SPARSE_FIGURES_DIR") else "the figures folder"
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"{named} names {folder}, which is a file, not a folder; set "
                         f"SPARSE_FIGURES_DIR to a folder (it is made if missing), or unset it")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ValueError(f"{named} names {folder}, which cannot be made ({err}); set "
                         f"SPARSE_FIGURES_DIR to a folder you may write, or unset it") from err
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"{named} names {folder}, which you may not write to; set "
                         f"SPARSE_FIGURES_DIR to a folder you may write, or unset it")
    return folder


def checkpoints_dir():
    """The folder new results are written to ($SPARSE_CHECKPOINT_DIR overrides ./checkpoints)."""
    folder = folder_from_env("SPARSE_CHECKPOINT_DIR", REPO_ROOT / "checkpoints")
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"SPARSE_CHECKPOINT_DIR names {folder}, which is a file, not a folder; set it to a "
                         f"folder (it is made if missing), or unset it")
    return folder


def recompute_requested():
    """True when $SPARSE_RECOMPUTE asks for every result to be computed afresh (make retrain)."""
    value = os.environ.get("SPARSE_RECOMPUTE", "").strip().lower()
    if value not in ("", "0", "false", "no", "1", "true", "yes"):
        raise ValueError(f"SPARSE_RECOMPUTE must be 1, true or yes (or 0, false, no, or unset); got {value!r}")
    return value in ("1", "true", "yes")


def results_log():
    """The file $SPARSE_RESULTS_LOG names, where each result used is recorded (or None); a
    ValueError when no line could be appended to it (a folder, a missing or read-only folder, a
    read-only file), so that a run stops before it computes, not after."""
    value = os.environ.get("SPARSE_RESULTS_LOG", "").strip()
    if not value:
        return None
    path, fix = Path(value), "set SPARSE_RESULTS_LOG to a file you may write (it is made if missing), or unset it"
    if path.is_dir():
        raise ValueError(f"SPARSE_RESULTS_LOG names {path}, which is a folder, not a file; {fix}")
    if not path.parent.is_dir():
        raise ValueError(f"SPARSE_RESULTS_LOG names {path}, but its folder {path.parent} does not exist; {fix}")
    if path.exists() and not os.access(path, os.W_OK):
        raise ValueError(f"SPARSE_RESULTS_LOG names {path}, which is read-only; {fix}")
    if not path.exists() and not os.access(path.parent, os.W_OK | os.X_OK):
        raise ValueError(f"SPARSE_RESULTS_LOG names {path}, but its folder {path.parent} is read-only; {fix}")
    return path
