"""Helpers for the Sparse Networks and Lottery Winners notebooks.

Three layers, imports in one direction: computing (data, model, training, pruning) <- experiments
(each result with its key and stored file) <- analysis (findings, figures, widgets, prose).
"""
from . import analysis, computing, experiments
from .computing import config, data, layout, model, paths, prune, settings, stack, train, validate
from .computing.config import DEFAULTS, Config
from .computing.data import CLASSES, DataError, Dataset, load_fashion_mnist, raw_arrays, synthetic_data
from .computing.layout import weight_names
from .computing.model import (all_weights, bias_count, default_device, describe, load_state, make_mlp,
                              snapshot, theta0, weight_counts)
from .computing.train import EarlyStop, Run, epoch_log, evaluate, train, train_many, train_one
from .experiments import arms, baseline, lottery, odds, store, tickets
from .experiments.baseline import Baseline, trained_baseline
from .experiments.store import StoredResultError
from .analysis import claims, combinatorics, inference, prose, register, stats, training, weights
from .analysis.claims import Claim, check
from .computing.settings import Series, series
from .experiments.session import Session, session, story_index
from .analysis.prose import say, when

LAZY = ("plots", "widgets")  # they load matplotlib, seaborn and ipywidgets: only when asked for


def __getattr__(name):
    """sh.plots and sh.widgets, imported on first use (so that `import sparse_helpers`, and the
    float path's child process, load no plotting or widget library)."""
    if name in LAZY:
        import importlib
        return importlib.import_module(f".analysis.{name}", __name__)
    raise AttributeError(f"module 'sparse_helpers' has no attribute {name!r}")


def setup(cfg=DEFAULTS, reuse=None, progress=True, notebook=None, **parameters):
    """A notebook's first cell: the series' plot style; given the notebook's name (and its
    parameters besides cfg), the run declared, so that figures at other settings keep out of
    figures/ (plots.figures_for); then cfg's data and dense baseline (experiments.session)."""
    config.as_config(cfg)
    from .analysis import plots
    plots.use_style()
    if notebook is not None:
        plots.figures_for(notebook, cfg, **parameters)
    return session(cfg, reuse=reuse, progress=progress)
