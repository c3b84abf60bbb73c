"""A notebook's setting: its config, the data with its split, and its dense baseline (stored when
valid, else trained). The analysis layer reads these; it never trains them itself."""
from typing import NamedTuple

from ..computing.config import DEFAULTS, as_config
from ..computing.data import load_fashion_mnist
from .baseline import trained_baseline


class Session(NamedTuple):
    """A notebook's setting: its config, the data, the dense baseline, the story seed's index."""
    cfg: object
    data: object
    baseline: object
    story: int


def story_index(cfg):
    """The position of cfg.story_seed in cfg.seeds; the first seed, with a note, if it is not there."""
    if cfg.story_seed in cfg.seeds:
        return list(cfg.seeds).index(cfg.story_seed)
    print(f"Note: STORY_SEED={cfg.story_seed} is not among SEEDS={list(cfg.seeds)}; following seed "
          f"{cfg.seeds[0]} instead.")
    return 0


def session(cfg=DEFAULTS, reuse=None, progress=True):
    """cfg's data (with its validation split) and dense baseline (stored when valid, else trained)."""
    cfg = as_config(cfg)
    data = load_fashion_mnist(val_size=cfg.val_size, split_seed=cfg.split_seed)
    baseline = trained_baseline(cfg, data, reuse=reuse, progress=progress)
    return Session(cfg, data, baseline, story_index(cfg))
