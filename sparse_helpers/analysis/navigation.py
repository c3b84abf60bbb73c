"""The series' table of contents, and the links at the top and bottom of every notebook.

`make sync` writes them into each notebook's source between the markers below, so that they
come from this one list and render on GitHub and in a static export as well as in JupyterLab.
Run: python -m sparse_helpers.analysis.navigation notebooks/sources/*.py
"""
import re
import sys
from pathlib import Path

NOTEBOOKS = [  # (file stem, title) in reading order
    ("01_train_baseline", "A very small network learns to sort clothes"),
    ("02_weight_statistics", "What the trained weights look like"),
    ("03_one_shot_pruning", "Cutting the smallest weights"),
    ("04_lottery_tickets", "Lottery tickets"),
    ("05_winning_odds", "How rare is a winning ticket?"),
    ("06_narrow_or_sparse", "Narrow or sparse?"),
]
MARK = {"header": ("<!-- navigation -->", "<!-- /navigation -->"),
        "footer": ("<!-- next -->", "<!-- /next -->")}


def link(i):
    """A Markdown link to the i-th notebook, with its number and title."""
    stem, title = NOTEBOOKS[i]
    return f"[{stem[:2]} · {title}]({stem}.ipynb)"


def header(stem):
    """The series line and previous/next links of one notebook, as Markdown lines."""
    stems = [s for s, _ in NOTEBOOKS]
    i = stems.index(stem)
    parts = " · ".join(f"**{s[:2]}**" if s == stem else f"[{s[:2]}]({s}.ipynb)" for s in stems)
    around = " | ".join(x for x in (f"← {link(i - 1)}" if i else "",
                                    f"{link(i + 1)} →" if i + 1 < len(NOTEBOOKS) else "") if x)
    return [f"*Part {i + 1} of {len(NOTEBOOKS)} of* ***Sparse Networks and Lottery Winners, the notebooks***: "
            f"{parts}", "", around]


def footer(stem):
    """The last line of one notebook: the next one, or back to the first, as Markdown lines."""
    i = [s for s, _ in NOTEBOOKS].index(stem)
    if i + 1 < len(NOTEBOOKS):
        return [f"**Next:** {link(i + 1)}"]
    return [f"**That is the end of the series.** Back to the start: {link(0)}"]


def block(kind, stem):
    """The marked block of one kind, as percent-format comment lines."""
    start, end = MARK[kind]
    lines = header(stem) if kind == "header" else footer(stem)
    return "\n".join(f"# {line}".rstrip() for line in [start, *lines, end])


def with_navigation(text, stem):
    """A notebook source with its header and footer blocks written from NOTEBOOKS."""
    for kind, (start, end) in MARK.items():
        pattern = re.compile(rf"# {re.escape(start)}.*?# {re.escape(end)}", re.S)
        if not pattern.search(text):
            raise ValueError(f"{stem}: no {kind} block; add the two lines '# {start}' and '# {end}' "
                             f"to a markdown cell")
        text = pattern.sub(lambda _: block(kind, stem), text)
    return text


def main(paths):
    """Rewrite the navigation blocks of the given notebook sources; print those that changed."""
    for path in map(Path, paths):
        text = path.read_text()
        new = with_navigation(text, path.stem)
        if new != text:
            path.write_text(new)
            print(f"navigation updated: {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
