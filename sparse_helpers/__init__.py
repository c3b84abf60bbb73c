"""Helpers for the Sparse Networks and Lottery Winners notebooks."""
from . import checkpoint, combinatorics, inference, lottery, notebook, odds, paths, plots, prune, stats
from .baseline import Baseline, trained_baseline
from .checkpoint import CheckpointMismatch, load_checkpoint, save_checkpoint
from .config import DEFAULTS, Config
from .data import CLASSES, DataError, Dataset, load_fashion_mnist, raw_arrays, synthetic_data
from .model import (all_weights, bias_count, default_device, describe, load_state, make_mlp,
                    snapshot, theta0, weight_counts, weight_names)
from .notebook import claim, setup, when
from .train import EarlyStop, Run, epoch_log, evaluate, train, train_many, train_one
