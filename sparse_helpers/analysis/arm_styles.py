"""How each lottery arm is shown: its label in tables and legends, its colour and its marker.

Presentation, so it lives here and not in the arms registry (`experiments/arms.py`), whose
entries build networks and enter results' keys. An arm registered without a style is shown
under its own name in a spare colour, so a new arm needs no edit here to be drawn.
"""
from typing import NamedTuple


class ArmStyle(NamedTuple):
    """An arm's label, colour (an index into plots.palette()) and marker."""
    label: str
    colour: int
    marker: str


STYLES = {
    "IMP global": ArmStyle("IMP, global pruning", colour=2, marker="o"),
    "IMP layerwise": ArmStyle("IMP, layer-wise pruning", colour=0, marker="s"),
    "re-init": ArmStyle("same mask, random re-init", colour=1, marker="s"),
    "random mask": ArmStyle("random mask, from θ₀", colour=4, marker="^"),
    "one-shot": ArmStyle("one-shot prune, rewind, retrain", colour=5, marker="D"),
}
SPARE = ArmStyle("", colour=9, marker="*")  # an arm with no style of its own


def style_of(arm_name):
    """The ArmStyle of an arm: its own, or its name in the spare colour."""
    return STYLES.get(arm_name, SPARE._replace(label=arm_name))


def set_style(arm_name, label, colour, marker):
    """Give an arm (a registered one, or your own) its label, colour and marker."""
    STYLES[arm_name] = ArmStyle(label, colour, marker)
    return STYLES[arm_name]
