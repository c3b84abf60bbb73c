"""Where the repository keeps its data, results and figures, and the variables that move them."""
import os
from pathlib import Path


def _repo_root():
    """The repository root for an editable install, else the working directory."""
    here = Path(__file__).resolve().parents[2]
    return here if (here / "pyproject.toml").exists() else Path.cwd()


REPO_ROOT = _repo_root()
RESULTS_DIR = REPO_ROOT / "results"  # what the committed notebooks computed, committed with them


def folder_from_env(name, default):
    """The folder $name names, else default; a ValueError if it is set but empty."""
    value = os.environ.get(name)
    if value is None:
        return Path(default)
    if not value.strip():
        raise ValueError(f"{name} is set but empty; unset it to use {default}, or set it to a "
                         f"folder, e.g. {name}={default}")
    return Path(value)


def figures_dir():
    """The folder figures are written to ($SPARSE_FIGURES_DIR overrides ./figures)."""
    folder = folder_from_env("SPARSE_FIGURES_DIR", REPO_ROOT / "figures")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def checkpoints_dir():
    """The folder new results are written to ($SPARSE_CHECKPOINT_DIR overrides ./checkpoints)."""
    return folder_from_env("SPARSE_CHECKPOINT_DIR", REPO_ROOT / "checkpoints")


def recompute_requested():
    """True when $SPARSE_RECOMPUTE asks for every result to be computed afresh (make retrain)."""
    value = os.environ.get("SPARSE_RECOMPUTE", "").strip().lower()
    if value not in ("", "0", "false", "no", "1", "true", "yes"):
        raise ValueError(f"SPARSE_RECOMPUTE must be 1, true or yes (or 0, false, no, or unset); got {value!r}")
    return value in ("1", "true", "yes")


def results_log():
    """The file $SPARSE_RESULTS_LOG names, where each result used is recorded (or None)."""
    value = os.environ.get("SPARSE_RESULTS_LOG", "").strip()
    return Path(value) if value else None
