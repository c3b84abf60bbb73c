"""Helpers for the Sparse Networks and Lottery Winners notebooks."""
from . import combinatorics, paths, plots, prune, stats
from .baseline import Baseline, baseline_config, trained_baseline
from .checkpoint import CheckpointMismatch, load_checkpoint, save_checkpoint
from .data import CLASSES, DataError, FashionMNIST, load_fashion_mnist, synthetic_data
from .lottery import controls, imp, round_summary
from .model import (all_weights, bias_count, default_device, load_state, make_mlp, snapshot,
                    weight_counts, weight_names)
from .train import Run, epoch_log, evaluate, train, train_many, train_one
