"""What `make figures` would reuse and what it would compute, decided without computing anything.

Run: python -m sparse_helpers.experiments.plan [results-folder]

The stored results are the plan: `make figures` keeps in results/ exactly the files the
notebooks used. Each one is rebuilt as an experiment from the settings in its header, with
today's code, today's data and today's defaults, and its key compared with the stored one:

    reuse   <kind> <file>
    compute <kind> <why: settings, data, or which code changed>, about N model-epochs
"""
import sys
from dataclasses import fields
from pathlib import Path

from ..computing.config import DEFAULTS
from ..computing.data import load_fashion_mnist
from ..computing.paths import RESULTS_DIR
from ..computing.validate import plain
from .baseline import BaselineExperiment
from .floatpath import FloatPathExperiment
from .lottery import LotteryExperiment
from .odds import OddsExperiment
from .store import StoredResultError, differences, read_file
from .tickets import TicketExperiment
from .widths import SizesExperiment, WidthExperiment

ORDER = ("baseline", "floatpath", "lottery", "tickets", "odds", "widths", "sizes")  # parents first
CONFIG_FIELDS = {f.name for f in fields(DEFAULTS)}


def config_of(key):
    """The Config a stored key was made with: its Config fields, today's defaults elsewhere."""
    stored = {k: tuple(v) if isinstance(v, list) else v for k, v in key.items() if k in CONFIG_FIELDS}
    return DEFAULTS.but(**stored)


def rebuilt(kind, key, data, lotteries):
    """The experiment a stored key describes, built with today's code (parents from lotteries)."""
    if kind in ("baseline", "floatpath", "lottery"):
        cls = {"baseline": BaselineExperiment, "floatpath": FloatPathExperiment,
               "lottery": LotteryExperiment}[kind]
        return cls(config_of(key), data)
    if kind == "widths":
        return WidthExperiment(config_of(key), data, key["widths"], len(key["width_seeds"]))
    lottery = lotteries.get(key.get("lottery"))
    if lottery is None:
        return None
    if kind == "odds":
        return OddsExperiment(lottery, key["levels"], key["per_level"], key["odds_seeds"])
    if kind == "tickets":
        return TicketExperiment(lottery, [tuple(t) for t in key["targets"]])
    return SizesExperiment(lottery, key["widths"], key["draws"])


def model_epochs(kind, key, tensors, tables):
    """About how much training a stored result cost, in model-epochs."""
    if "model_epochs" in tensors:
        return int(tensors["model_epochs"])
    epochs = key.get("control_epochs") if kind == "tickets" else key.get("epochs", DEFAULTS.epochs)
    rows = max([len(t) for name, t in tables.items() if name in ("runs", "draws")] or [0])
    return (rows or len(key.get("seeds", []))) * (epochs or DEFAULTS.epochs)


def why(stored_key, stored_code, experiment):
    """Why a stored key no longer matches: settings, defaults, data or the definitions that changed."""
    wanted = experiment.key()
    reasons = [d for d in differences(stored_key, wanted) if not d.startswith(("code:", "lottery:"))]
    if stored_key.get("lottery") != wanted.get("lottery") and "lottery" in wanted:
        reasons.append("its lottery is computed afresh")
    if stored_key.get("code") != wanted.get("code"):
        now = experiment.code_hashes()
        changed = sorted(k for k in set(now) | set(stored_code) if now.get(k) != stored_code.get(k))
        reasons.append("code changed: " + (", ".join(changed[:6]) + (f" and {len(changed) - 6} more"
                                                                     if len(changed) > 6 else "")
                                           if stored_code else "(the stored file lists no definitions)"))
    defaults = [f"{k}: stored {v!r}, default now {plain(getattr(DEFAULTS, k))!r}"
                for k, v in stored_key.items() if k in CONFIG_FIELDS and k != "threads"
                and v != plain(getattr(DEFAULTS, k))]
    return reasons + [f"settings differ from today's defaults ({d})" for d in defaults]


def plan(folder=RESULTS_DIR, data=None):
    """One (verb, kind, text) per stored result in folder: 'reuse' or 'compute' and why."""
    data = data if data is not None else load_fashion_mnist()
    stored = []
    for path in sorted(Path(folder).glob("*.safetensors")):
        try:
            header, tensors, tables = read_file(path)
        except StoredResultError as err:
            stored.append(("compute", path.name.split("-")[0], f"{path.name} is unreadable ({err})"))
            continue
        stored.append((path, header, tensors, tables))
    readable = [s for s in stored if isinstance(s[0], Path)]
    readable.sort(key=lambda s: ORDER.index(s[1]["key"]["kind"]) if s[1]["key"].get("kind") in ORDER else 99)
    lines, lotteries = [s for s in stored if not isinstance(s[0], Path)], {}
    for path, header, tensors, tables in readable:
        key, kind = header["key"], header["key"].get("kind")
        experiment = rebuilt(kind, key, data, lotteries) if kind in ORDER else None
        if experiment is None:
            lines.append(("compute", kind, f"{path.name}: its parent lottery is not stored"))
            continue
        if kind == "lottery":
            lotteries[path.name.split("-")[1].split(".")[0]] = experiment
        reasons = why(key, header.get("code", {}), experiment)
        if reasons:
            cost = model_epochs(kind, key, tensors, tables)
            lines.append(("compute", kind, "; ".join(reasons) + f"; about {cost:,} model-epochs"))
        else:
            lines.append(("reuse", kind, f"{Path(path).parent.name}/{path.name}"))
    return lines


def main(argv):
    """Print the plan for the folder named in argv (default: results/)."""
    folder = Path(argv[0]) if argv else RESULTS_DIR
    lines = plan(folder)
    for verb, kind, text in lines:
        print(f"{verb:<8}{kind:<10}{text}")
    computed = sum(1 for verb, _, _ in lines if verb == "compute")
    print(f"{len(lines) - computed} to reuse, {computed} to compute")


if __name__ == "__main__":
    main(sys.argv[1:])
