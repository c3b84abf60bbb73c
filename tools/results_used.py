"""After `make figures`: say which results were reused and which computed, and remove the
stored results that no notebook used (their keys are stale).

Run: python tools/results_used.py results build/results-used.log
"""
import sys
from collections import Counter
from pathlib import Path


def main(folder, log):
    """Print the summary of the log and delete the files of folder the log does not name."""
    folder, log = Path(folder).resolve(), Path(log)
    lines = [line.split(" ", 1) for line in log.read_text().splitlines()] if log.exists() else []
    used = {Path(path) for _, path in lines}
    how = {}
    for verb, path in lines:
        how.setdefault(Path(path), set()).add(verb)
    counts = Counter("computed" if "computed" in v else "reused" for p, v in how.items() if p.parent == folder)
    stale = sorted(p for p in folder.glob("*.safetensors") if p not in used)
    for p in stale:
        p.unlink()
    print(f"results/: {counts['reused']} reused, {counts['computed']} computed, {len(stale)} stale removed")
    for p, verbs in sorted(how.items()):
        if p.parent == folder:
            print(f"  {'computed' if 'computed' in verbs else 'reused  '} {p.name}")
    for p in stale:
        print(f"  removed  {p.name}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
