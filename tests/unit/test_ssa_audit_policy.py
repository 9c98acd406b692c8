"""SSA's audit outcome for each answer, and its start-up, without a server."""

from __future__ import annotations

import pytest

from services.ssa.disclosure import for_answer
from services.ssa.domain import IdentityAnswer, MatchStatus
from services.ssa.server import build
from shared.audit import Outcome
from shared.consent import ensure_local_keys
from shared.security import Trust
from shared.settings import load_settings
from shared.tls import PLAINTEXT


@pytest.mark.parametrize(
    ("status", "outcome", "detail"),
    [
        (MatchStatus.MATCH, Outcome.DISCLOSED, "MATCH"),
        (MatchStatus.NO_RECORD, Outcome.REFUSED, "NO_RECORD"),
        (MatchStatus.NAME_MISMATCH, Outcome.REFUSED, "NAME_MISMATCH"),
        (MatchStatus.BIRTH_DATE_MISMATCH, Outcome.REFUSED, "BIRTH_DATE_MISMATCH"),
    ],
)
def test_only_a_match_is_audited_as_a_disclosure(status, outcome, detail) -> None:  # type: ignore[no-untyped-def]
    entry = for_answer("412558301", IdentityAnswer("p1", status))
    assert (entry.ssn, entry.outcome, entry.detail) == ("412558301", outcome, detail)


async def test_start_up_without_the_subject_key_fails_plainly_and_creates_none(
    tmp_path, clock
) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings("ssa", data_dir=tmp_path, database_url="")
    with pytest.raises(SystemExit) as caught:
        await build(settings, clock, Trust(PLAINTEXT))
    assert "subject key" in str(caught.value)
    assert not (tmp_path / "keys").exists()
    assert not (tmp_path / "ssa.db").exists()


async def test_start_up_needs_only_the_subject_key(tmp_path, clock) -> None:  # type: ignore[no-untyped-def]
    keys = ensure_local_keys(tmp_path)
    keys.private_key_path.unlink()
    keys.public_key_path.unlink()
    wiring = await build(
        load_settings("ssa", data_dir=tmp_path, database_url=""), clock, Trust(PLAINTEXT)
    )
    try:
        assert [b.full_name for b in wiring.bindings] == ["eligibility.ssa.v1.IdentityService"]
    finally:
        assert wiring.on_stop is not None
        await wiring.on_stop()
