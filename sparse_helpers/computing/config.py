"""The experiment's defaults in one place: every signature and every notebook reads them here.

The post names its architecture, epochs, prune rate and threshold; it does not name the
optimizer, learning rate, batch size or seeds. Those are our choices (notebook 01 says why).
"""
import functools
import os
from dataclasses import asdict, dataclass, field, fields, replace

from .validate import (as_choice, as_fraction, as_hidden, as_int, as_positive, as_seed, as_seeds,
                       plain)

OPTIMIZERS = ("adam", "sgd")
SCHEDULES = ("global", "layerwise")
N_TRAIN = 60000  # Fashion-MNIST's training images, of which val_size are held out
SLIDER_RATES = tuple(round(0.01 * i, 2) for i in range(5, 91))  # 5%, 6%, ... 90%: every stop of the slider


def as_rates(rates):
    """Prune rates as a sorted tuple of distinct fractions in (0, 1), or a ValueError."""
    if isinstance(rates, (str, bytes, dict, set)) or not hasattr(rates, "__iter__"):
        raise ValueError(f"explorer_rates must be a list of prune rates, e.g. (0.1, 0.2, 0.3); got {rates!r}")
    out = tuple(sorted({round(as_fraction(r, "each of explorer_rates", low_open=True), 6) for r in rates}))
    if off := [r for r in out if r not in SLIDER_RATES]:
        raise ValueError(f"explorer_rates must lie on notebook 04's slider, the 1% steps 0.05, 0.06, ... 0.9, "
                         f"or they would be trained but could never be chosen; {off} do not. Use e.g. "
                         f"explorer_rates=(0.1, 0.2, 0.3)")
    return out


def threads_from_env():
    """$SPARSE_THREADS as a whole number (0, the default, picks by stack size)."""
    text, cpus = os.environ.get("SPARSE_THREADS", "0").strip() or "0", os.cpu_count() or 1
    if not (text.isascii() and text.isdigit()) or int(text) > cpus:
        raise ValueError(f"SPARSE_THREADS must be a whole number of CPU threads from 0 (automatic) "
                         f"to {cpus}, this machine's CPUs; got {text!r}. Unset it or set e.g. "
                         f"SPARSE_THREADS=1")
    return int(text)


@dataclass(frozen=True)
class Config:
    """Every setting of the series, with the defaults the committed notebooks use."""
    hidden: tuple = (8, 4)            # hidden layer sizes: 784 -> 8 -> 4 -> 10, as in the post
    epochs: int = 10                  # epochs of the dense model and of every IMP round
    lr: float = 2e-3                  # learning rate
    batch_size: int = 128             # minibatch size
    optimizer: str = "adam"           # "adam" or "sgd" (SGD with momentum)
    momentum: float = 0.9             # SGD's momentum; Adam ignores it
    seeds: tuple = (0, 1, 2, 3, 4)    # one trial per seed: its θ₀ and its data order
    val_size: int = 5000              # training images held out for every decision
    split_seed: int = 0               # which training images are held out
    prune_rate: float = 0.2           # share of the remaining weights pruned per IMP round
    output_rate: float = 0.1          # the paper's rate for the output layer (layer-wise only)
    schedule: str = "global"          # "global" (the post) or "layerwise" (the paper)
    rounds: int = 18                  # IMP rounds after the dense one: 0.8^18 = 1.8% left
    threshold: float = 0.8            # the validation accuracy a ticket must reach
    reinits: int = 2                  # random re-initialisations per mask in the controls
    control_epochs: int = 40          # the post's 4x training at the ticket
    checks_per_epoch: int = 5         # validation-loss checks per epoch, for early stopping
    story_seed: int = 0               # the seed the notebooks follow run by run, as the post does
    explorer_rates: tuple = SLIDER_RATES  # notebook 04's prune-rate slider: stored for story_seed
    threads: int = field(default_factory=threads_from_env)  # CPU threads ($SPARSE_THREADS, read
    # whenever a Config is made); 0 = by stack size

    def __post_init__(self):
        for name, value in self.checked().items():
            object.__setattr__(self, name, value)
        refuse_out_of_range(self)

    def checked(self):
        """Every field in its clean form; a ValueError naming the first bad one."""
        return {
            "hidden": as_hidden(self.hidden),
            "epochs": as_int(self.epochs, "epochs", minimum=1, example=10),
            "lr": as_positive(self.lr, "lr", 2e-3),
            "batch_size": as_int(self.batch_size, "batch_size", minimum=1, example=128),
            "optimizer": as_choice(self.optimizer, "optimizer", OPTIMIZERS),
            "momentum": as_fraction(self.momentum, "momentum", example=0.9),
            "seeds": as_seeds(self.seeds),
            "val_size": as_int(self.val_size, "val_size", minimum=0, example=5000,
                               maximum=N_TRAIN - 1),
            "split_seed": as_seed(self.split_seed, "split_seed"),
            "prune_rate": as_fraction(self.prune_rate, "prune_rate", low_open=True),
            "output_rate": as_fraction(self.output_rate, "output_rate", low_open=True,
                                       example=0.1),
            "schedule": as_choice(self.schedule, "schedule", SCHEDULES),
            "rounds": as_int(self.rounds, "rounds", minimum=0, example=18),
            "threshold": as_fraction(self.threshold, "threshold", high_open=False, example=0.8),
            "reinits": as_int(self.reinits, "reinits", minimum=1, example=2),
            "control_epochs": as_int(self.control_epochs, "control_epochs", minimum=1,
                                     example=40),
            "checks_per_epoch": as_int(self.checks_per_epoch, "checks_per_epoch", minimum=1,
                                       example=5),
            "story_seed": as_seed(self.story_seed, "story_seed"),
            "explorer_rates": as_rates(self.explorer_rates),
            "threads": as_int(self.threads, "threads", minimum=0,
                              maximum=os.cpu_count() or 1, example=1),
        }

    def but(self, **changes):
        """A copy with some fields changed (and checked)."""
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise ValueError(f"unknown setting(s) {sorted(unknown)}; the settings are "
                             f"{[f.name for f in fields(self)]}")
        return replace(self, **changes)

    def training(self):
        """The fields that decide how one model trains, as plain JSON-able values."""
        keys = ("hidden", "epochs", "lr", "batch_size", "optimizer", "momentum", "val_size",
                "split_seed")
        return {k: plain(getattr(self, k)) for k in keys}

    def as_dict(self):
        """Every field as plain JSON-able values."""
        return plain(asdict(self))


# Upper bounds no run of this series comes near, each with why: beyond them a typo
# (epochs=1000000) would train for days. Checked once every field is in its clean form.
LIMITS = {"epochs": (1000, "1,000 epochs already train for hours"),
          "control_epochs": (1000, "1,000 epochs already train for hours"),
          "rounds": (100, "100 rounds at even the slider's smallest rate, 5%, leave under 1% of the weights"),
          "batch_size": (N_TRAIN, f"Fashion-MNIST has {N_TRAIN:,} training images"),
          "reinits": (100, "each re-initialisation trains every round again"),
          "checks_per_epoch": (100, "each check scores the whole validation split")}


def refuse_out_of_range(cfg):
    """A ValueError naming the first setting above its upper bound (LIMITS)."""
    if over := next((k for k, (most, _) in LIMITS.items() if getattr(cfg, k) > most), None):
        raise ValueError(f"{over} must be at most {LIMITS[over][0]:,} ({LIMITS[over][1]}); got "
                         f"{getattr(cfg, over)!r}. The default is {over}={getattr(Config, over)}")


def refuse_unknown_settings(init):
    """Config's __init__, refusing an unknown setting with the message Config.but gives (rather
    than Python's TypeError); it only refuses, then calls the dataclass's own __init__."""
    @functools.wraps(init)
    def checked_init(self, *args, **kwargs):
        """Refuse unknown keyword settings, then initialise as the dataclass does."""
        unknown = set(kwargs) - {f.name for f in fields(Config)}
        if unknown:
            raise ValueError(f"unknown setting(s) {sorted(unknown)}; the settings are "
                             f"{[f.name for f in fields(Config)]}")
        init(self, *args, **kwargs)
    return checked_init


setattr(Config, "__init__", refuse_unknown_settings(Config.__init__))
DEFAULTS = Config()


def as_config(cfg):
    """cfg if it is a Config, else a ValueError saying how to make one."""
    if not isinstance(cfg, Config):
        raise ValueError(f"cfg must be a Config, e.g. sh.Config(epochs=3) or sh.DEFAULTS.but(epochs=3); "
                         f"got {type(cfg).__name__} {cfg!r:.80}")
    return cfg
