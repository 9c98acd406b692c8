"""Names folded for comparison: case, accents, spaces and punctuation ignored.

SSA and Treasury both match a caller's name against their records this way, several
names per request. Most names are plain ASCII, where decomposition changes nothing,
the letters and digits are the only alphanumerics and casefolding is lowering; those
take one translate and one lower instead of a Unicode pass and a character loop.
"""

from __future__ import annotations

import unicodedata

_ASCII_PUNCTUATION = {c: None for c in range(128) if not chr(c).isalnum()}


def fold_name(name: str) -> str:
    if name.isascii():
        return name.translate(_ASCII_PUNCTUATION).lower()
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if c.isalnum()).casefold()
