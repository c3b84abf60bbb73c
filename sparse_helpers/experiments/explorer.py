"""The story seed's IMP at any prune rate, for notebook 04's slider: the rates the lottery stored
are read from it; any other rate is trained here (round by round, from the stored dense round 0)
and cached for the session. The widget that shows them (analysis/widgets.py) only reads."""
import math
from dataclasses import dataclass

import torch

from ..computing.data import Dataset
from ..computing.model import theta0 as make_theta0
from ..computing.prune import dense_masks, kept, next_masks, sparsity_of
from ..computing.validate import as_finite_state, expect
from .arms import main_arm
from .lottery import Lottery, imp_round

COLUMNS = ["round", "kept", "sparsity", "val_acc"]


def stored_imp_rows(lot):
    """The story seed's IMP rounds per prune rate, as a lottery stored them: {rate: rows}."""
    cfg = lot.config
    out = {float(rate): g.sort_values("round")[COLUMNS].to_dict("records")
           for rate, g in lot.explorer.groupby("rate")}
    main = lot.rounds[(lot.rounds.arm == main_arm(cfg)) & (lot.rounds.seed == cfg.story_seed)]
    out[cfg.prune_rate] = main.sort_values("round")[COLUMNS].to_dict("records")
    return out


def story_start(lot, theta0, data):
    """theta0 as a state, or a ValueError unless data and theta0 are the lottery's data and the
    story seed's θ₀."""
    cfg = expect(lot, Lottery, "lot", "LotteryExperiment(cfg, data).result()").config
    expect(data, Dataset, "data", "sh.load_fashion_mnist()")
    if data.label != lot.data:
        raise ValueError(f"data must be the data the lottery was trained on ({lot.data}); got {data.label}")
    theta0 = as_finite_state(theta0)
    story = make_theta0(cfg.story_seed, cfg.hidden)
    if cfg.story_seed in cfg.seeds and (  # the stored rounds are used: they started from this θ₀
            theta0.keys() != story.keys() or not all(torch.equal(theta0[k], story[k]) for k in story)):
        raise ValueError(f"theta0 must be the story seed's initial weights, sh.theta0({cfg.story_seed}, "
                         f"{tuple(cfg.hidden)}), the θ₀ the stored rounds started from")
    return theta0


def imp_rates(lot, theta0, data):
    """The story seed's IMP at any rate (ImpRates), starting from what lot stored."""
    theta0 = story_start(lot, theta0, data)
    cfg = lot.config
    cache = {round(r, 6): {"rows": rows, "masks": None, "complete": len(rows) == cfg.rounds + 1}
             for r, rows in stored_imp_rows(lot).items()} if cfg.story_seed in cfg.seeds else {}
    # round 0 (the dense network) is the same at every rate: a new rate starts from its stored copy
    main = cache.get(round(cfg.prune_rate, 6), {"rows": []})["rows"]
    dense = (main[:1], lot.states.get((cfg.story_seed, 0))) if main else ([], None)
    return ImpRates(theta0, data, cfg, cfg.story_seed, cache, set(cache), dense)


@dataclass
class ImpRates:
    """IMP for the story seed at any prune rate: stored rates read, others trained once and cached
    (made by imp_rates; a dataclass, so that it defines no __init__ of its own for the result
    keys' call graph to follow)."""
    theta0: dict
    data: Dataset
    cfg: object
    seed: int
    cache: dict    # rate -> {"rows": rounds so far, "masks": the next round's, "complete": bool}
    stored: set    # the rates the lottery stored
    dense: tuple   # (round 0's row, its trained weights), or ([], None)

    def more_needed(self, rows, threshold):
        """Whether IMP must run more rounds to find where it first falls below threshold."""
        return len(rows) <= self.cfg.rounds and all(r["val_acc"] >= threshold for r in rows)

    def chain_at(self, rate, threshold):
        """The cache entry of a rate, restarted from θ₀ when its stored rows end too early."""
        entry = self.cache.get(rate)
        if entry is None or (entry["masks"] is None and not entry["complete"]
                             and self.more_needed(entry["rows"], threshold)):
            rows, trained = self.dense
            masks = dense_masks(self.theta0)
            if trained is not None:
                rows, masks = [dict(rows[0])], next_masks(trained, masks, self.cfg.but(prune_rate=rate))
            entry = self.cache[rate] = {"rows": list(rows), "masks": masks, "complete": False}
        return entry

    def needs_training(self, rate, threshold):
        """Whether showing this rate and threshold trains rounds (none are stored or cached)."""
        return self.more_needed(self.chain_at(rate, threshold)["rows"], threshold)

    def rows_until(self, rate, threshold, each_round=None):
        """IMP rounds at this rate up to and including the first below threshold, training the
        missing ones (each_round() is called after each, e.g. a progress bar's update)."""
        entry, cfg = self.chain_at(rate, threshold), self.cfg.but(prune_rate=rate)
        rows = entry["rows"]
        while self.more_needed(rows, threshold):
            masks = entry["masks"]
            run, entry["masks"] = imp_round(self.theta0, masks, self.data, cfg, self.seed)
            rows.append({"round": len(rows), "kept": kept(masks), "sparsity": sparsity_of(masks),
                         "val_acc": run.val_acc})
            if each_round is not None:
                each_round()
        stop = next((i for i, r in enumerate(rows) if r["val_acc"] < threshold), len(rows) - 1)
        return rows[: stop + 1]

    def likely_rounds(self, rate, threshold):
        """How many rounds IMP at rate will likely run: until the sparsity where the stored main
        rate first fell below threshold (or all rounds), at most cfg.rounds + 1."""
        main = self.cache.get(round(self.cfg.prune_rate, 6), {"rows": []})["rows"]
        fail = next((r["sparsity"] for r in main if r["val_acc"] < threshold), None)
        if fail is None or fail <= 0:
            return self.cfg.rounds + 1
        return min(self.cfg.rounds + 1, math.ceil(math.log(1 - fail) / math.log(1 - rate)) + 1)
