"""Names fold the same whether or not they take the plain-ASCII path."""

from __future__ import annotations

import random
import string
import unicodedata

from shared.name_folding import fold_name


def _reference(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if c.isalnum()).casefold()


def test_every_ascii_character_folds_as_the_unicode_rule_does() -> None:
    for code in range(128):
        assert fold_name(chr(code)) == _reference(chr(code)), code


def test_ascii_names_fold_as_the_unicode_rule_does() -> None:
    rng = random.Random(11)
    for _ in range(2000):
        name = "".join(rng.choice(string.printable) for _ in range(rng.randint(0, 24)))
        assert fold_name(name) == _reference(name)


def test_accents_case_spaces_and_punctuation_are_ignored() -> None:
    assert fold_name("José-María  O'Brien") == "josemariaobrien"
    assert fold_name("STRASSE") == fold_name("straße")
    assert fold_name("Ｗｅｉ") == "wei"
