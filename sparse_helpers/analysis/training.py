"""Notebook 01's findings: how the dense baseline trains, over seeds and across float paths."""
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..experiments.baseline import Baseline
from ..experiments.floatpath import FloatPath
from .checks import check_result, check_same_source
from .claims import TRAINING_DEFAULTS, Claim
from .stats import Interval, t_interval, with_mean_sd

POST_LOG = [75.35, 80.50, 81.46, 81.93, 82.29, 82.87, 83.35, 83.38, 82.90, 83.35]  # the post's epochs


@dataclass(frozen=True)
class TrainingFindings:
    """What notebook 01 says about the dense baseline (accuracies in percent)."""
    table: pd.DataFrame        # per seed: epoch 1, final, best and validation accuracy
    histories: np.ndarray      # seeds x epochs test accuracy
    final: Interval            # final test accuracy over seeds
    lowest: float              # the lowest seed's final test accuracy
    highest: float             # the highest seed's
    first_epoch: float         # mean test accuracy after one epoch
    late_gain: float           # mean gain from epoch 4 to the last (nan below 4 epochs)
    float_moves: np.ndarray    # per seed: |final accuracy on generic kernels - here|, points
    float_same_bits: int       # seeds whose weights came out bit-identical on the generic kernels
    float_weight_gap: float    # the largest |difference| of any final weight between the two paths
    claims: list


def training_findings(baseline, float_path=None):
    """The findings of notebook 01 from its baseline (and its rerun on the generic kernels)."""
    check_result(baseline, Baseline, "baseline", "sh.trained_baseline(cfg, data)")
    if float_path is not None:
        check_result(float_path, FloatPath, "float_path", "FloatPathExperiment(cfg, data).result()")
        check_same_source("float_path", float_path, "the baseline", baseline)
    cfg = baseline.config
    histories = 100 * np.array([r.history for r in baseline.runs])
    finals = histories[:, -1]
    table = pd.DataFrame({"seed": cfg.seeds, "epoch 1 %": histories[:, 0], "final %": finals,
                          "best %": histories.max(1),
                          "validation %": [100 * r.val_acc for r in baseline.runs]}).set_index("seed")
    late = finals - histories[:, 3] if cfg.epochs >= 4 else np.full(len(finals), np.nan)
    moves, same, gap = np.array([]), 0, float("nan")
    if float_path is not None:
        moves = np.abs(100 * np.array(float_path.test_acc) - finals)
        same, gap = int(sum(float_path.same_bits)), float(max(float_path.weight_gap))
    final = t_interval(finals)
    claims = [
        Claim("all seeds but at most one finish at or above 80% test accuracy",
              "count of seeds below 80% test accuracy after the last epoch <= 1",
              int((finals < 80).sum()) <= 1, f"{int((finals < 80).sum())} of {len(finals)} below",
              needs=TRAINING_DEFAULTS, id="01.most-seeds-reach-80"),
        Claim("the mean final test accuracy is within 2 points of the post's 83.35%",
              "the 95% t-interval of the mean over seeds lies inside 81.35%-85.35%",
              final.n >= 2 and 81.35 <= final.low and final.high <= 85.35, final.text("%", 2),
              needs=TRAINING_DEFAULTS, id="01.mean-near-post"),
    ]
    return TrainingFindings(with_mean_sd(table), histories, final, float(finals.min()), float(finals.max()),
                            float(histories[:, 0].mean()),
                            float(np.nanmean(late)) if cfg.epochs >= 4 else float("nan"),
                            moves, same, gap, claims)
