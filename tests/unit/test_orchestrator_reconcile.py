"""Reconciling attested income with Treasury's records."""

from __future__ import annotations

import datetime as dt

from eligibility.common.v1 import household_pb2 as hh
from eligibility.treasury.v1 import income_verification_pb2 as treasury_pb
from services.harness.households import example_paths, load_request
from services.orchestrator.domain import evidence as ev
from services.orchestrator.domain.evidence import EvidenceDirectory
from services.orchestrator.domain.reconcile import IncomeInquiry, compatible, reconcile_income
from shared.magi import IncomeParts, magi

NOW = dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)
DIRECTORY = EvidenceDirectory.load()


def _household(stem: str):  # type: ignore[no-untyped-def]
    path = next(p for p in example_paths() if stem in p.name)
    return load_request(path, "r").household


def _verified(person_id: str, magi: int, size: int = 1) -> treasury_pb.FilerIncome:
    return treasury_pb.FilerIncome(
        person_id=person_id,
        status=treasury_pb.VERIFICATION_STATUS_VERIFIED,
        magi_cents=magi,
        agi_cents=magi,
        family_size=size,
        tax_year=2025,
    )


def test_compatibility_accepts_higher_attestation_and_ten_percent_below() -> None:
    assert compatible(5_000_000, 4_000_000, 0.10)
    assert compatible(3_600_000, 4_000_000, 0.10)  # exactly 10% below
    assert not compatible(3_599_999, 4_000_000, 0.10)


def test_joint_return_is_counted_once_for_both_spouses() -> None:
    household = _household("rivera")  # attested 24,000 + 19,500 = 43,500
    answers = {
        "maria": _verified("maria", 4_120_000, 4),
        "jose": _verified("jose", 4_120_000, 4),
    }
    result = reconcile_income(household, IncomeInquiry(answers), DIRECTORY, NOW)
    assert set(result.status_by_person.values()) == {ev.VERIFIED}
    assert result.issues == []


def test_income_far_below_the_return_is_an_issue_due_in_ninety_days() -> None:
    household = _household("kowalski")  # attests 9,600 after losing her job
    inquiry = IncomeInquiry({"anna": _verified("anna", 3_840_000)})
    result = reconcile_income(household, inquiry, DIRECTORY, NOW)
    assert result.status_by_person["anna"] == ev.INCONSISTENT
    (issue,) = result.issues
    assert issue.reason_code == "INCOME_INCONSISTENT"
    assert issue.due_date == dt.date(2027, 2, 23)  # 90 days after 2026-11-25


def test_treasury_unreachable_marks_every_member_of_the_unit() -> None:
    household = _household("rivera")
    inquiry = IncomeInquiry(
        unreachable=frozenset({"maria", "jose"}), unreachable_reason="UNAVAILABLE"
    )
    result = reconcile_income(household, inquiry, DIRECTORY, NOW)
    assert set(result.status_by_person.values()) == {ev.SOURCE_UNAVAILABLE}
    assert result.issues[0].reason_code == "INCOME_SOURCE_UNAVAILABLE"
    assert all(f.status == ev.ATTESTED for f in result.facts)


def test_treasury_declining_is_told_as_a_refusal_not_an_outage() -> None:
    household = _household("rivera")
    inquiry = IncomeInquiry(
        unreachable=frozenset({"maria", "jose"}),
        unreachable_reason="PERMISSION_DENIED",
        declined="treasury refused the request (CONSENT_EXPIRED)",
    )
    result = reconcile_income(household, inquiry, DIRECTORY, NOW)
    assert set(result.status_by_person.values()) == {ev.SOURCE_UNAVAILABLE}
    (issue,) = result.issues
    assert issue.reason_code == "AGENCY_REFUSED"
    assert "CONSENT_EXPIRED" in issue.message and "could not be reached" not in issue.message


def test_no_record_keeps_attestation_with_an_issue() -> None:
    household = _household("chen")
    answer = treasury_pb.FilerIncome(
        person_id="wei", status=treasury_pb.VERIFICATION_STATUS_NO_RECORD
    )
    result = reconcile_income(household, IncomeInquiry({"wei": answer}), DIRECTORY, NOW)
    assert result.status_by_person["wei"] == ev.NO_RECORD
    assert result.issues[0].reason_code == "INCOME_NO_TAX_RECORD"


def test_every_fact_has_provenance_from_the_directory() -> None:
    household = _household("okafor")
    answers = {
        "adaeze": _verified("adaeze", 6_305_000, 2),
        "chidi": _verified("chidi", 6_305_000, 2),
    }
    result = reconcile_income(household, IncomeInquiry(answers), DIRECTORY, NOW)
    sources = {(f.fact, f.source) for f in result.facts}
    assert ("income.tax_return_magi", "treasury") in sources
    assert ("income.attested_annual", "applicant") in sources
    for fact in result.facts:
        assert fact.valid_until is not None and fact.valid_until > NOW


def test_without_consent_treasury_is_not_asked_and_proof_is_requested() -> None:
    household = _household("chen")
    result = reconcile_income(
        household, IncomeInquiry(no_consent=frozenset({"wei"})), DIRECTORY, NOW
    )
    assert result.status_by_person["wei"] == ev.NO_RECORD
    assert result.issues[0].reason_code == "INCOME_NO_CONSENT"


def test_a_filer_whose_identity_failed_is_not_checked() -> None:
    household = _household("okafor")
    inquiry = IncomeInquiry(identity_status={"adaeze": ev.VERIFIED, "chidi": ev.INCONSISTENT})
    result = reconcile_income(household, inquiry, DIRECTORY, NOW)
    assert result.issues[0].reason_code == "INCOME_NOT_CHECKED"


def _filer_with_dependent(filer_incomes, dependent_wages: int):  # type: ignore[no-untyped-def]
    return hh.Household(
        members=[
            hh.Person(person_id="pat", incomes=filer_incomes),
            hh.Person(
                person_id="kid",
                incomes=[hh.Income(kind=hh.INCOME_KIND_WAGES, annual_amount_cents=dependent_wages)],
            ),
        ],
        tax_units=[
            hh.TaxUnit(
                tax_unit_id="t",
                filing_status=hh.FILING_STATUS_HEAD_OF_HOUSEHOLD,
                filer_person_ids=["pat"],
                dependent_person_ids=["kid"],
            )
        ],
    )


def test_a_dependents_wages_do_not_prop_up_the_filers_income_against_their_return() -> None:
    # The return shows 50,000; the filer attests 40,000 (20% below) and a dependent's 12,000
    # is on the dependent's own return, so adding it would hide the gap.
    wages = [hh.Income(kind=hh.INCOME_KIND_WAGES, annual_amount_cents=4_000_000)]
    household = _filer_with_dependent(wages, 1_200_000)
    inquiry = IncomeInquiry({"pat": _verified("pat", 5_000_000, 2)})
    result = reconcile_income(household, inquiry, DIRECTORY, NOW, 2027)
    assert result.status_by_person["pat"] == ev.INCONSISTENT


def test_self_employment_is_compared_as_magi_after_the_se_tax_deduction() -> None:
    # Attested profit 50,000 gives MAGI 46,467.61 in 2026: 10% below that MAGI still
    # matches, one cent more below does not, the same line HHS's MAGI draws.
    profit = [hh.Income(kind=hh.INCOME_KIND_SELF_EMPLOYMENT, annual_amount_cents=5_000_000)]
    household = _filer_with_dependent(profit, 0)
    attested = magi(IncomeParts(self_employment_cents=5_000_000), 2026).cents
    assert attested == 4_646_761
    at_line = attested * 10 // 9  # attested is then just over 90% of the return
    for return_magi, status in ((at_line, ev.VERIFIED), (at_line + 2, ev.INCONSISTENT)):
        inquiry = IncomeInquiry({"pat": _verified("pat", return_magi, 2)})
        result = reconcile_income(household, inquiry, DIRECTORY, NOW, 2026)
        assert result.status_by_person["pat"] == status
