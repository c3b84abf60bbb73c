"""The series-wide Holm table: every tested claim's p as the committed notebooks print it, and its
Holm-adjusted p over the register's tested family, written into docs/claims-register.md.

Run: python tools/holm_table.py [--check]   (--check: exit 1 if the document is out of date)
"""
import re
import sys
from pathlib import Path

import nbformat

from sparse_helpers.analysis.claims import holm
from sparse_helpers.analysis.register import TESTED

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "claims-register.md"
START, END = "<!-- holm -->", "<!-- /holm -->"
LINE = re.compile(r"^- (holds|not shown)[^\n]*?; p = ([0-9.e+-]+)[^\n]*\n  \*`([^`]+)`", re.M)


def printed_p():
    """{claim id: (verdict, p)} as the committed notebooks print them (p to two significant digits)."""
    out = {}
    for path in sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        text = "\n".join("".join(o.get("data", {}).get("text/markdown", "")) for c in nb.cells
                         if c.cell_type == "code" for o in c.get("outputs", []))
        out.update({m.group(3): (m.group(1), float(m.group(2))) for m in LINE.finditer(text)})
    return out


def table():
    """The Markdown table of the tested family with its Holm-adjusted p, smallest p first."""
    found = printed_p()
    ids = sorted((i for i in TESTED if i in found), key=lambda i: found[i][1])
    adjusted = holm([found[i][1] for i in ids])
    lines = [START, "", f"The series' tested family: {len(ids)} claims with a p in the committed notebooks "
             "(printed to two significant digits), Holm-adjusted over the family. A claim whose verdict is "
             "\"holds\" but whose adjusted p is 0.05 or more does not survive the correction.", "",
             "| id | verdict in its notebook | p | Holm-adjusted p | survives at 0.05 |", "|---|---|---|---|---|"]
    lines += [f"| `{i}` | {found[i][0]} | {found[i][1]:.2g} | {a:.2g} | {'yes' if a < 0.05 else 'no'} |"
              for i, a in zip(ids, adjusted)]
    return "\n".join(lines + ["", END])


def main(argv):
    """Write the table into the register's document (or check that it is there); 0 when up to date."""
    doc = DOC.read_text()
    new = table()
    current = doc[doc.index(START): doc.index(END) + len(END)] if START in doc else None
    if "--check" in argv:
        return 0 if current == new else 1
    DOC.write_text(doc.replace(current, new) if current else doc.rstrip("\n") + "\n\n## Holm over the series\n\n" + new + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
