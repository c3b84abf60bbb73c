"""What every notebook does first, in one call; and findings asserted only where they apply."""
from typing import NamedTuple

from . import plots
from .baseline import trained_baseline
from .config import DEFAULTS
from .data import load_fashion_mnist


POST_TICKET = 544      # the post's winning ticket, in weights
POST_WEIGHTS = 6344    # the post's 784-8-4-10 network, biases apart
POST_PRUNE_RATE = 0.2  # the post's share of the remaining weights pruned per round


def post_sparsity(rounds):
    """The sparsity the post's schedule reaches after the given number of rounds."""
    return 1 - (1 - POST_PRUNE_RATE) ** rounds


class Session(NamedTuple):
    """A notebook's setting: its config, the data, the dense baseline, the story seed's index."""
    cfg: object
    data: object
    baseline: object
    story: int


def story_index(seeds, story_seed):
    """The position of story_seed in seeds; the first seed, with a note, if it is not there."""
    if story_seed in seeds:
        return list(seeds).index(story_seed)
    print(f"Note: STORY_SEED={story_seed} is not among SEEDS={list(seeds)}; following seed "
          f"{seeds[0]} instead.")
    return 0


def setup(cfg=DEFAULTS, story_seed=0, reuse=True, progress=True):
    """Apply the plot style, load the data with cfg's split, and get cfg's dense baseline
    (from its checkpoint when reuse and it passes its checks, else trained)."""
    plots.use_style()
    data = load_fashion_mnist(val_size=cfg.val_size, split_seed=cfg.split_seed)
    baseline = trained_baseline(cfg, data, reuse=reuse, progress=progress)
    return Session(cfg, data, baseline, story_index(cfg.seeds, story_seed))


def changed(cfg, fields):
    """The fields (names) where cfg differs from the defaults."""
    return [f for f in fields if getattr(cfg, f) != getattr(DEFAULTS, f)]


def claim(cfg, holds, finding, needs=(), at_least=None):
    """Assert a finding of the series and print it. Where it was only measured at the default
    values of the fields in `needs`, or at values of at least `at_least` {field: minimum}, and
    cfg is outside that, print a note instead."""
    short = [f for f, low in (at_least or {}).items() if getattr(cfg, f) < low]
    other = ", ".join(f"{f}={getattr(cfg, f)!r}" for f in changed(cfg, needs) + short)
    if other:
        print(f"not checked at these settings ({other}; measured at the defaults only): {finding}")
        return
    assert holds, f"This finding no longer holds: {finding}"
    print(f"holds: {finding}")


def when(condition, text, otherwise=""):
    """text where the data support it, else otherwise: prose that follows the numbers."""
    return text if condition else otherwise


def a_or_an(number):
    """The article English puts before a whole number written in digits: 'an' for 8, 11, 18, 80..."""
    text = str(int(number))
    spoken_vowel = text.startswith("8") or (len(text) % 3 == 2 and text[:2] in ("11", "18"))
    return "an" if spoken_vowel else "a"
