"""Copy each executed notebook's Summary into the README, between its findings markers, so that
every number the README states comes from a notebook's code (make figures runs it).

Run: python tools/readme_findings.py README.md notebooks/NN_*.ipynb     (writes README.md)
     python tools/readme_findings.py --check README.md notebooks/NN_*.ipynb   (exit 1 if stale)
"""
import re
import sys
from pathlib import Path

import nbformat

START, END = "<!-- findings: written by tools/readme_findings.py from each notebook's Summary -->", \
    "<!-- /findings -->"


def summary_bullets(path):
    """The Markdown the notebook's Summary cell printed (the first output after '## Summary')."""
    nb = nbformat.read(path, as_version=4)
    at = next((i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
               and c.source.lstrip().startswith("## Summary")), None)
    if at is None:
        raise SystemExit(f"{path}: no '## Summary' cell")
    for cell in nb.cells[at + 1:]:
        for out in cell.get("outputs", []):
            text = out.get("data", {}).get("text/markdown")
            if text:
                return text.strip()
    raise SystemExit(f"{path}: its Summary printed nothing; run `make figures` first")


def findings_block(notebooks):
    """The README's findings: per notebook, a link and its summary bullets."""
    parts = [START]
    for path in sorted(notebooks):
        nb = nbformat.read(path, as_version=4)
        title = re.sub(r"^#\s*", "", nb.cells[0].source.splitlines()[0]).strip()
        parts += ["", f"**[{title}](notebooks/{Path(path).name})**", "", summary_bullets(path)]
    return "\n".join(parts + ["", END])


def main(argv):
    """Write (or with --check, compare) the README's findings block."""
    check = argv[:1] == ["--check"]
    readme, notebooks = (argv[1:] if check else argv)[0], (argv[1:] if check else argv)[1:]
    text = Path(readme).read_text()
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise SystemExit(f"{readme} has no findings markers ({START} ... {END})")
    new = pattern.sub(lambda _: findings_block(notebooks), text)
    if check:
        if new != text:
            print(f"{readme}'s findings differ from the notebooks' summaries: run `make figures`")
            return 1
        return 0
    Path(readme).write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
