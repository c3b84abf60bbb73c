"""The notebooks' shared furniture: the post's numbers, computed prose, tables."""
import hashlib
import math
import numbers

import numpy as np
import pandas as pd
from IPython.display import Markdown
from pandas.io.formats.style import Styler

POST_TICKET = 544      # the post's winning ticket, in weights
POST_WEIGHTS = 6344    # the post's 784-8-4-10 network, biases apart
POST_PRUNE_RATE = 0.2  # the post's share of the remaining weights pruned per round


def post_sparsity(rounds):
    """The sparsity the post's schedule reaches after the given number of rounds."""
    return 1 - (1 - POST_PRUNE_RATE) ** rounds


def texts(parts, what):
    """The parts if each is text (or empty), else a ValueError: prose is written, not converted."""
    bad = [p for p in parts if p and not isinstance(p, str)]
    if bad:
        raise ValueError(f"{what} takes sentences (str, or '' for none); got {bad[0]!r:.60}: format the "
                         f"number into a sentence first, e.g. f'{{x:.1f}} points'")
    return parts


def say(*parts):
    """Computed prose: the non-empty parts joined into one Markdown paragraph."""
    parts = texts(parts, "say")
    return Markdown(" ".join(p.strip() for p in parts if p and p.strip()))


def bullets(*items):
    """Computed prose as a bulleted list of the non-empty items."""
    items = texts(items, "bullets")
    return Markdown("\n".join(f"* {i.strip()}" for i in items if i and i.strip()))


def when(condition, text, otherwise=""):
    """text where the data support it, else otherwise: prose that follows the numbers. A condition
    that is nan (no number to decide on) is refused, not read as true."""
    if isinstance(condition, (float, np.floating)) and math.isnan(condition):
        raise ValueError("when() got nan as its condition: decide what the prose says without a number "
                         "(test math.isnan first)")
    return text if condition else otherwise


def span(low, high, fmt="{:.1f}", sep=" to "):
    """'low to high' written with fmt, or the one value when both read the same (one seed, or
    values that round alike), never 'from 80.9% to 80.9%'."""
    a, b = fmt.format(low), fmt.format(high)
    return a if a == b else f"{a}{sep}{b}"


def between(low, high, fmt="{:.1f}", words=("between", "and")):
    """'between low and high' written with fmt (or with other words, e.g. ("from", "to")), or
    'at value' when both read the same."""
    if not isinstance(words, (tuple, list)) or len(words) != 2:
        raise ValueError(f"words must be two words, e.g. ('from', 'to'); got {words!r}")
    a, b = fmt.format(low), fmt.format(high)
    return f"at {a}" if a == b else f"{words[0]} {a} {words[1]} {b}"


def a_or_an(number):
    """The article English puts before a whole number written in digits: 'an' for 8, 11, 18, 80..."""
    text = str(int(number))
    spoken_vowel = text.startswith("8") or (len(text) % 3 == 2 and text[:2] in ("11", "18"))
    return "an" if spoken_vowel else "a"


def count(n, noun, plural=None):
    """'1 seed', '3 seeds', 'none of them' for count(0, 'of them', 'of them'), 'no seeds'.

    n must be a whole number >= 0 (3.0 passes; 2.7, -1 and nan are refused)."""
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Real) or not math.isfinite(n) \
            or not float(n).is_integer() or n < 0:
        raise ValueError(f"count needs a whole number of {plural or noun + 's'} >= 0, e.g. count(3, "
                         f"{noun!r}); got {n!r}")
    if not isinstance(noun, str) or not noun.strip() or plural is not None and (not isinstance(plural, str) or not plural.strip()):
        raise ValueError(f"count needs the thing counted as a word, e.g. count(3, 'seed'); got noun={noun!r}, "
                         f"plural={plural!r}")
    n = int(n)
    word = noun if n == 1 else (plural or noun + "s")
    return ("none " + word if word.startswith("of ") else f"no {word}") if n == 0 else f"{n} {word}"


def table(frame, percent=(), counts=(), decimals=1, index=True, digits=3):
    """A DataFrame styled for reading: counts as whole numbers with separators, the percent
    columns (already in percent) with `decimals` places and a % sign, other numbers to `digits`."""
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"table takes a pandas DataFrame; got {type(frame).__name__}")
    formats = {c: "{:,.0f}" for c in counts if c in frame.columns}
    formats.update({c: f"{{:.{decimals}f}}%" for c in percent if c in frame.columns})
    rest = {c: f"{{:.{digits}f}}" for c in frame.select_dtypes("floating").columns if c not in formats}
    styler = Table(frame, uuid=Table.uuid_of(frame, formats, index)).format({**rest, **formats}, na_rep="–")
    return styler if index else styler.hide(axis="index")


class Table(Styler):
    """A Styler that shows the same in every run: its HTML ids come from its contents (pandas
    draws them at random), and its plain text is the table, not an address in memory."""

    @staticmethod
    def uuid_of(frame, formats, index):
        """A short digest of what the table shows, for its HTML ids."""
        text = f"{frame.to_csv()}|{sorted(formats.items())}|{index}|{list(frame.dtypes.astype(str))}"
        return hashlib.sha256(text.encode()).hexdigest()[:8]

    def __repr__(self):
        return self.data.to_string(index=not any(self.hide_index_))
