"""The apostrophe inside a word as readers type it: Ukrainian keyboards give ʼ, phones ’,
and many type ` or ´ for want of one ("перемир`я"). Every reader layer reads words with
the plain ' , so these are turned into it before words are read; otherwise "перемир`я"
would be read as "перемир" and "я"."""

from __future__ import annotations

import re

#: An apostrophe-like mark between two letters.
_APOSTROPHE = re.compile(r"(?<=[^\W\d_])[`´‘’ʼ](?=[^\W\d_])")


def plain_apostrophes(text: str) -> str:
    """`text` with every apostrophe-like mark between two letters written as '."""
    return _APOSTROPHE.sub("'", text)
