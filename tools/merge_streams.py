"""Merge each code cell's consecutive stream outputs of one name (stdout, stderr) into one, as
JupyterLab does when it saves a notebook, so that a reader's Run All and save in Lab leaves the
committed notebook unchanged.

Run: python tools/merge_streams.py notebooks/NN_*.ipynb
"""
import sys

import nbformat


def merged(outputs):
    """The outputs with each run of stream outputs of the same name joined into one."""
    out = []
    for o in outputs:
        if out and o.get("output_type") == "stream" and out[-1].get("output_type") == "stream" \
                and out[-1].get("name") == o.get("name"):
            out[-1]["text"] = "".join(out[-1]["text"]) + "".join(o["text"])
        else:
            out.append(o)
    return out


def merge_file(path):
    """Rewrite a notebook with its streams merged, only where that changes something."""
    nb = nbformat.read(path, as_version=4)
    changed = False
    for cell in nb.cells:
        if cell.cell_type == "code":
            new = merged(cell.outputs)
            changed |= len(new) != len(cell.outputs)
            cell.outputs = new
    if changed:
        nbformat.write(nb, path)


if __name__ == "__main__":
    for p in sys.argv[1:]:
        merge_file(p)
