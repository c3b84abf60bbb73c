"""Where the repository keeps its data, checkpoints and figures."""
import os
from pathlib import Path


def _repo_root():
    """The repository root for an editable install, else the working directory."""
    here = Path(__file__).resolve().parents[1]
    return here if (here / "pyproject.toml").exists() else Path.cwd()


REPO_ROOT = _repo_root()


def figures_dir():
    """The folder figures are written to ($SPARSE_FIGURES_DIR overrides ./figures)."""
    folder = Path(os.environ.get("SPARSE_FIGURES_DIR", REPO_ROOT / "figures"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def checkpoints_dir():
    """The folder checkpoints are kept in ($SPARSE_CHECKPOINT_DIR overrides ./checkpoints)."""
    return Path(os.environ.get("SPARSE_CHECKPOINT_DIR", REPO_ROOT / "checkpoints"))


RESULTS_DIR = REPO_ROOT / "results"  # the committed results of the committed notebooks


def recompute_requested():
    """True when $SPARSE_RECOMPUTE asks every notebook to train afresh (make figures sets it)."""
    return os.environ.get("SPARSE_RECOMPUTE", "").lower() in ("1", "true", "yes")
