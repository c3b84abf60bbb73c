"""The arms of the lottery experiment, one registry entry each.

An arm says how its networks are built at a pruning round from what that round knows: the
seed's θ₀, the masks IMP reached under each schedule, and the dense network trained at round 0.
IMP itself is an arm that prunes (its next round's masks come from its own trained weights);
the controls only read IMP's masks. To add an arm, register one Arm here (or from your own code
before running the experiment): the lottery trains it at every round, the tables list it and
the figures draw it, with no other edit. An arm holds only what builds its networks; its label,
colour and marker are presentation and live in the analysis layer (`analysis/plots.py`).
"""
from dataclasses import dataclass
from functools import partial
from typing import Callable, NamedTuple, Optional

from ..computing.model import seed_for, theta0 as make_theta0
from ..computing.prune import global_top_masks, kept, random_masks_like, top_masks


class RoundInputs(NamedTuple):
    """What the networks of one seed's round are built from."""
    cfg: object        # the experiment's Config
    seed: int
    round: int
    theta0: dict       # the seed's θ₀
    masks: dict        # schedule -> the masks IMP under that schedule reached at this round
    dense: dict        # the seed's dense network after training (round 0)


class Member(NamedTuple):
    """One network to train: whose trial it is, which arm, where it starts, its mask."""
    seed: int
    arm: str
    schedule: str      # the schedule whose masks it trains under (or copies the size of)
    draw: int
    theta0: dict
    masks: dict


@dataclass(frozen=True)
class Arm:
    """One arm: its name in tables, its seed tag and how its members are built."""
    name: str                     # the rows' 'arm' column
    seed_tag: Optional[int]       # its random draws use seed_for(seed, round, draw, seed_tag)
    dense_at_round0: bool         # at round 0 it is the dense network: IMP's round 0 stands in
    members: Callable             # RoundInputs -> [(draw, θ₀, masks)]
    prunes: Optional[str] = None  # for IMP: the schedule it prunes by; None for a control
    long_run: bool = False        # also trained at the ticket for cfg.control_epochs (the 4x run)

    def built(self, inputs):
        """The Members of this arm at one seed's round."""
        schedule = self.prunes or inputs.cfg.schedule
        return [Member(inputs.seed, self.name, schedule, draw, theta0, masks)
                for draw, theta0, masks in self.members(inputs)]


ARMS = {}


def register(arm):
    """Add an arm to the registry (replacing one of the same name); returns it."""
    if not isinstance(arm, Arm):
        raise ValueError(f"register takes an Arm; got {type(arm).__name__}")
    ARMS[arm.name] = arm
    return arm


def imp_arm(schedule):
    """The name of IMP's arm under a pruning schedule."""
    return f"IMP {schedule}"


def main_arm(cfg):
    """The arm of IMP under cfg's schedule: the one the tickets and the controls come from."""
    return imp_arm(cfg.schedule)


def active_arms(cfg):
    """The registered arms in registry order, the IMP arm of cfg's schedule first."""
    main = ARMS[main_arm(cfg)]
    return [main] + [a for a in ARMS.values() if a is not main]


def is_dense_copy(arm, cfg, r):
    """Whether the arm's round r is the dense network, trained once by the main IMP arm."""
    if r != 0 or arm.name == main_arm(cfg):
        return False
    return arm.dense_at_round0 or arm.prunes is not None


def rewound(inputs, schedule):
    """IMP: the seed's θ₀ under the masks its schedule reached."""
    return [(0, inputs.theta0, inputs.masks[schedule])]


def reinitialised(inputs):
    """The main schedule's masks with fresh random initial values, cfg.reinits of them."""
    cfg, s, r = inputs.cfg, inputs.seed, inputs.round
    return [(j, make_theta0(seed_for(s, r, j, ARMS["re-init"].seed_tag), cfg.hidden),
             inputs.masks[cfg.schedule]) for j in range(cfg.reinits)]


def random_mask(inputs):
    """θ₀ under a random mask with as many weights in each layer as IMP's."""
    masks = inputs.masks[inputs.cfg.schedule]
    return [(0, inputs.theta0, random_masks_like(masks, seed_for(inputs.seed, inputs.round,
                                                                 ARMS["random mask"].seed_tag)))]


def one_shot(inputs):
    """The paper's one-shot pruning: the trained dense weights cut at once to IMP's size."""
    masks, dense = inputs.masks[inputs.cfg.schedule], inputs.dense
    if inputs.cfg.schedule == "global":
        shot = global_top_masks(dense, kept(masks))
    else:
        shot = top_masks(dense, [int(m.sum()) for m in masks.values()])
    return [(0, inputs.theta0, shot)]


for _schedule in ("global", "layerwise"):
    register(Arm(imp_arm(_schedule), seed_tag=None, dense_at_round0=False,
                 members=partial(rewound, schedule=_schedule), prunes=_schedule, long_run=True))
register(Arm("re-init", seed_tag=1, dense_at_round0=False, members=reinitialised, long_run=True))
register(Arm("random mask", seed_tag=2, dense_at_round0=True, members=random_mask, long_run=True))
register(Arm("one-shot", seed_tag=None, dense_at_round0=True, members=one_shot))
