"""A stored result's key changes with every setting that changes the result, and with no other."""
from dataclasses import fields

import pytest

import sparse_helpers as sh
from sparse_helpers.experiments.baseline import BaselineExperiment
from sparse_helpers.experiments.lottery import LotteryExperiment
from sparse_helpers.experiments.odds import OddsExperiment
from sparse_helpers.experiments.tickets import TicketExperiment

OTHER = {"hidden": (16,), "epochs": 3, "lr": 1e-3, "batch_size": 64, "optimizer": "sgd",
         "momentum": 0.5, "seeds": (0, 1, 2, 3, 5), "val_size": 1000, "split_seed": 1,
         "prune_rate": 0.3, "output_rate": 0.2, "schedule": "layerwise", "rounds": 12,
         "threshold": 0.7, "reinits": 3, "control_epochs": 20, "checks_per_epoch": 2,
         "story_seed": 3, "explorer_rates": (0.1, 0.2), "threads": 1}
TRAINING = {"hidden", "epochs", "lr", "batch_size", "optimizer", "momentum", "seeds", "val_size",
            "split_seed", "checks_per_epoch"}
DECIDES = {  # the fields each experiment's result depends on
    "baseline": TRAINING,
    "lottery": TRAINING | {"prune_rate", "output_rate", "schedule", "rounds", "reinits", "story_seed",
                           "explorer_rates"},
    "tickets": TRAINING | {"prune_rate", "output_rate", "schedule", "rounds", "reinits", "story_seed",
                           "explorer_rates", "control_epochs"},
    "odds": TRAINING | {"prune_rate", "output_rate", "schedule", "rounds", "reinits", "story_seed",
                        "explorer_rates"},
}


def experiment(kind, cfg, data):
    """An experiment of the kind at cfg (the odds and tickets read the lottery at cfg)."""
    lot = LotteryExperiment(cfg, data)
    return {"baseline": lambda: BaselineExperiment(cfg, data), "lottery": lambda: lot,
            "tickets": lambda: TicketExperiment(lot, [(cfg.seeds[0], 1)]),
            "odds": lambda: OddsExperiment(lot, [1], 2, [cfg.seeds[0]])}[kind]()


def test_every_config_field_is_covered():
    assert set(OTHER) == {f.name for f in fields(sh.Config)}


@pytest.mark.parametrize("kind", sorted(DECIDES))
@pytest.mark.parametrize("field", sorted(OTHER))
def test_the_key_follows_exactly_the_fields_that_decide_the_result(kind, field, tiny):
    base = sh.DEFAULTS
    changed = base.but(**{field: OTHER[field]})
    differs = experiment(kind, base, tiny).key() != experiment(kind, changed, tiny).key()
    assert differs == (field in DECIDES[kind]), f"{kind}: changing {field} {'does' if differs else 'does not'} change the key"


def test_the_key_follows_the_data_and_the_plan(tiny):
    other = sh.synthetic_data(seed=5)
    assert BaselineExperiment(sh.DEFAULTS, tiny).key() != BaselineExperiment(sh.DEFAULTS, other).key()
    lot = LotteryExperiment(sh.DEFAULTS, tiny)
    assert OddsExperiment(lot, [1], 2).key() != OddsExperiment(lot, [1], 3).key()
    assert OddsExperiment(lot, [1], 2).key() != OddsExperiment(lot, [2], 2).key()
    assert TicketExperiment(lot, [(0, 1)]).key() != TicketExperiment(lot, [(0, 2)]).key()
    assert TicketExperiment(lot, [(0, 1), (1, 2)]).key() == TicketExperiment(lot, [(1, 2), (0, 1)]).key()
