"""The caseworker console in a real browser: sign in, apply, read why, try a what-if,
revoke a consent, and use the application form with the keyboard alone.

Tests that stop a service run last, because the stack is shared by the module.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from playwright.sync_api import expect

from services.console.sessions import COOKIE, Session, SessionCodec, session_secret
from tests.browser.conftest import Console, check_page, sign_in

# A person the synthetic population seeds into SSA's and Treasury's records.
CHEN = {
    "given": "Wei",
    "family": "Chen",
    "ssn": "523110042",
    "birth": "1996-08-30",
    "income": "18000",
    "hours": "94",
}


# Anna Kowalski, Philadelphia PA (also seeded): asked, she does not agree to the use of
# her tax data.
KOWALSKI = {
    "given": "Anna",
    "family": "Kowalski",
    "ssn": "189-33-4520",
    "birth": "1998-02-27",
    "income": "9000",
}
CHEN_HOME = ("350 Cedar St", "San Diego", "CA", "San Diego", "92101", "1100")
KOWALSKI_HOME = ("12 Wharton St", "Philadelphia", "PA", "Philadelphia", "19147", "900")


def _fill(page, person: dict[str, str], home: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("First name").fill(person["given"])
    page.get_by_label("Last name").fill(person["family"])
    page.get_by_label("Social Security number").fill(person["ssn"])
    page.get_by_label("Date of birth").fill(person["birth"])
    page.get_by_label("Income a year, in dollars").fill(person["income"])
    if "hours" in person:
        page.get_by_label("Hours of work a month").fill(person["hours"])
    street, city, state, county, zip_code, rent = home
    page.get_by_label("Street address").fill(street)
    page.get_by_label("City").fill(city)
    page.get_by_label("State").fill(state)
    page.get_by_label("County").fill(county)
    page.get_by_label("ZIP code").fill(zip_code)
    page.get_by_label("Rent or mortgage a month, in dollars").fill(rent)


def _fill_chen(page) -> None:  # type: ignore[no-untyped-def]
    _fill(page, CHEN, CHEN_HOME)
    # Wei agreed to the use of his tax data when asked.
    page.locator("label[for=f-consent-treasury]").click()
    # USWDS draws its own box over the input: the label is what a person clicks.
    page.locator("label[for=program-chip]").click()


def _report_a_raise(page) -> None:  # type: ignore[no-untyped-def]
    """From a case page: Wei's wages go up to $30,000 a year from 1 October."""
    page.get_by_role("link", name="Report a life event").click()
    page.get_by_label("When it took effect").fill("2026-10-01")
    page.get_by_label("Who it is about").fill("p1")
    page.get_by_label("New wages a year, in dollars").fill("30000")
    page.get_by_role("button", name="Report the change").click()


def test_signing_in_is_required_and_an_expired_session_says_so(page, console: Console) -> None:  # type: ignore[no-untyped-def]
    page.goto("/cases")
    expect(page).to_have_url(re.compile(r"/signin\?why=signin"))
    expect(page.get_by_text("development token issuer")).to_be_visible()
    check_page(page, console, "signin")
    # A sign-in older than its lifetime, signed with the console's own key.
    codec = SessionCodec(session_secret(console.stack.data_dir), 30 * 60)
    stale = Session.for_caseworker("cw-browser", "caseworker", now=time.time() - 31 * 60)
    page.context.add_cookies([{"name": COOKIE, "value": codec.encode(stale), "url": console.url}])
    page.goto("/cases")
    expect(page).to_have_url(re.compile(r"/signin\?why=expired"))
    expect(page.locator("#signin-notice")).to_have_text(re.compile("Your session expired"))
    # Signing in takes the caseworker back where they were going.
    page.get_by_label("Caseworker id").fill("cw-browser")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/cases$"))


def test_a_post_without_the_form_token_is_refused(page, console: Console) -> None:  # type: ignore[no-untyped-def]
    sign_in(page)
    reply = page.request.post("/applications", form={"member_count": "1"})
    assert reply.status == 403
    assert "This form cannot be accepted" in reply.text()
    assert "Traceback" not in reply.text()


def test_submitting_an_application_shows_the_determination_and_explain(
    page, console: Console
) -> None:  # type: ignore[no-untyped-def]
    sign_in(page)
    page.goto("/applications/new")
    check_page(page, console, "application")
    # Consent is the filers' act: the form never gives it for them.
    expect(page.locator("#f-consent-treasury")).not_to_be_checked()
    _fill_chen(page)
    expect(page.locator("#f-consent-treasury")).to_be_checked()
    page.get_by_role("button", name="Submit the application").last.click()
    expect(page).to_have_url(re.compile(r"/cases/[^/]+\?submitted=1"))
    grid = page.locator("table.console-grid")
    expect(grid).to_contain_text("Wei Chen")
    expect(grid).to_contain_text("Medicaid")
    expect(grid.locator(".console-status").first).to_be_visible()
    expect(grid.locator(".console-reason").first).not_to_be_empty()
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    expect(page.get_by_role("heading", name="Agency acknowledgements")).to_be_visible()
    # The page follows the case through WatchCase.
    expect(page.locator("#live-status")).to_contain_text("Following this case")
    check_page(page, console, "case")
    case_id = page.url.split("/cases/")[1].split("?")[0]

    page.get_by_role("link", name="Explain every answer").click()
    expect(page).to_have_url(re.compile(f"/cases/{case_id}/explain"))
    expect(page.locator("cite").first).to_be_visible()
    expect(page.locator("table.console-figures").first).to_be_visible()
    check_page(page, console, "explain")

    page.goto("/cases")
    expect(page.get_by_role("link", name=case_id)).to_be_visible()
    page.get_by_label("Search cases").fill("CA")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name=case_id)).to_be_visible()
    check_page(page, console, "cases")

    page.goto(f"/burden?case_id={case_id}")
    expect(page.get_by_text("questions the person answered here")).to_be_visible()
    check_page(page, console, "burden")


def test_the_application_form_works_from_the_keyboard_alone(page, console: Console) -> None:  # type: ignore[no-untyped-def]
    sign_in(page)
    page.goto("/applications/new")
    # From the top of the page: the skip link first, then into the content.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    first_name = page.get_by_label("First name")
    for _ in range(30):
        page.keyboard.press("Tab")
        if first_name.evaluate("e => e === document.activeElement"):
            break
    expect(first_name).to_be_focused()
    page.keyboard.type("Wei")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Last name")).to_be_focused()
    page.keyboard.type("Chen")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Social Security number")).to_be_focused()
    page.keyboard.type("12345")  # too short: the server says so
    page.keyboard.press("Tab")
    expect(page.get_by_label("Date of birth")).to_be_focused()
    page.keyboard.type("1996-08-30")
    page.keyboard.press("Enter")  # Enter submits the application
    # The server's violation is shown beside the field, and focus goes to the summary.
    expect(page.locator("#problem")).to_be_focused()
    ssn_error = page.locator("#f-household-members-0-ssn-error")
    expect(ssn_error).to_contain_text("nine digits")
    expect(page.get_by_label("Social Security number")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("First name")).to_have_value("Wei")
    check_page(page, console, "application-errors")
    # The summary links to the field; the keyboard follows it.
    page.locator("#problem a[href='#f-household-members-0-ssn']").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Social Security number")).to_be_focused()
    # Add a person with the keyboard: focus lands on their first field.
    page.locator("#add-person").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#f-household-members-1-name-given")).to_be_focused()
    expect(page.get_by_role("group", name=re.compile("Person 2"))).to_be_visible()


def test_a_what_if_draws_the_benefit_cliff_chart_with_a_table_and_csv(
    page, console: Console
) -> None:  # type: ignore[no-untyped-def]
    sign_in(page)
    page.goto("/what-if")
    page.get_by_role("button", name="Run the what-if").last.click()
    chart = page.locator("figure.console-chart svg")
    expect(chart).to_be_visible()
    expect(chart.locator("polyline")).to_have_count(3)
    expect(page.locator("#sweep-table tbody tr")).to_have_count(25)
    expect(page.locator("#cliff-summary")).not_to_be_empty()
    check_page(page, console, "what-if")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download these figures (CSV)").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("annual_income_dollars,")
    assert len(lines) == 26


def test_revoking_a_consent_shows_in_the_disclosure_report(page, console: Console) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, "cw-consent")
    page.goto("/applications/new")
    _fill_chen(page)
    page.get_by_role("button", name="Submit the application").last.click()
    expect(page).to_have_url(re.compile(r"\?submitted=1"))
    page.goto("/people")
    page.get_by_label("Social Security number").fill(CHEN["ssn"])
    page.get_by_role("button", name="Show the report").click()
    # The SSN never appears in an address.
    assert CHEN["ssn"] not in page.url
    consents = page.locator("#consents")
    expect(consents).to_contain_text("In force")
    expect(page.locator("#disclosures")).to_contain_text("DISCLOSED")
    check_page(page, console, "person")
    revoke = page.get_by_role("button", name=re.compile("Revoke consent")).first
    consent_id = revoke.locator("xpath=ancestor::form[1]//input[@name='consent_id']").input_value()
    revoke.click()
    expect(page.locator("#revoked-notice")).to_contain_text(f"Consent {consent_id} is revoked")
    row = page.locator("#consents tr", has_text=consent_id)
    expect(row).to_contain_text("Revoked")
    expect(page.locator("#disclosures")).to_contain_text("revoke", ignore_case=True)
    check_page(page, console, "person-revoked")


def test_without_consent_the_case_waits_for_proof_of_income(page, console: Console) -> None:  # type: ignore[no-untyped-def]
    """Anna Kowalski does not agree: the caseworker leaves the box empty, and the case
    waits for proof of income instead of reading her tax return."""
    sign_in(page, "cw-no-consent")
    page.goto("/applications/new")
    _fill(page, KOWALSKI, KOWALSKI_HOME)
    expect(page.locator("#f-consent-treasury")).not_to_be_checked()
    page.get_by_role("button", name="Submit the application").last.click()
    expect(page).to_have_url(re.compile(r"/cases/[^/]+\?submitted=1"))
    expect(page.get_by_text("no consent to use federal tax data")).to_be_visible()


def test_reporting_a_life_event_shows_what_changed_and_who_was_told(page, console: Console) -> None:  # type: ignore[no-untyped-def]
    sign_in(page)
    page.goto("/applications/new")
    _fill_chen(page)
    page.get_by_role("button", name="Submit the application").last.click()
    _report_a_raise(page)
    expect(page.get_by_role("status")).to_contain_text("The change is recorded")
    assert "Agencies told" in page.content()
    assert "Traceback" not in page.content()
    check_page(page, console, "life-event")


def test_programs_offered_after_a_life_event_show_on_the_case_page(page, console: Console) -> None:  # type: ignore[no-untyped-def]
    """Wei applies without SNAP; a raise to $30,000 still leaves him within California's
    SNAP limit (200% of poverty under broad-based categorical eligibility), so SNAP,
    outside the case, is assessed and offered: the change's page and the case page both
    say so."""
    sign_in(page)
    page.goto("/applications/new")
    _fill_chen(page)
    page.locator("label[for=program-snap]").click()
    expect(page.locator("#program-snap")).not_to_be_checked()
    page.get_by_role("button", name="Submit the application").last.click()
    case_url = page.url
    _report_a_raise(page)
    expect(page.get_by_role("status")).to_contain_text("may now qualify for: SNAP")
    page.goto(case_url)
    offered = page.locator("#offered-programs")
    expect(offered).to_contain_text("SNAP")
    assert "Traceback" not in page.content()
    check_page(page, console, "case-offered")


def test_the_standing_over_time_shows_what_a_life_event_changed(page, console: Console) -> None:  # type: ignore[no-untyped-def]
    """After a raise, HHS is told of the new answers (the dispatcher, a moment later): the
    case's history page lists them per person and program, from the change's day on, and a
    day before it shows nothing held."""
    sign_in(page)
    page.goto("/applications/new")
    _fill_chen(page)
    page.get_by_role("button", name="Submit the application").last.click()
    case_url = page.url.split("?")[0]
    _report_a_raise(page)
    expect(page.get_by_role("status")).to_contain_text("The change is recorded")
    page.goto(case_url)
    page.get_by_role("link", name="Standing over time").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Standing over time")
    # The application's own decision may be on the page before the raise's reaches HHS.
    periods = page.get_by_role("table", name=re.compile("p1: each program"))
    deadline = time.monotonic() + 30
    while "2026-10-01" not in page.content() and time.monotonic() < deadline:
        time.sleep(0.5)
        page.reload()
    expect(periods).to_contain_text("2026-10-01")
    expect(periods).to_contain_text("Still holds")
    assert "Traceback" not in page.content()
    check_page(page, console, "history")
    page.get_by_label("On one day").fill("2026-09-30")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#no-periods")).to_contain_text("on 2026-09-30")


def test_a_stopped_agency_and_a_stopped_orchestrator_give_clear_messages(
    page, console: Console
) -> None:  # type: ignore[no-untyped-def]
    sign_in(page)
    stack = console.stack
    stack.stop_one("hhs")
    try:
        page.goto("/what-if")
        page.get_by_role("button", name="Run the what-if").last.click()
        # HHS's programs cannot be answered: the page says why, and shows what it has.
        warning = page.locator("#pending-warning, #problem")
        expect(warning).to_contain_text(re.compile("agency", re.I))
        assert "Traceback" not in page.content()
        check_page(page, console, "what-if-agency-stopped")
    finally:
        stack.start_one("hhs")
        stack.wait_serving("hhs")
    stack.stop_one("orchestrator")
    try:
        page.goto("/cases")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "The orchestrator is not answering"
        )
        expect(page.locator("#problem")).to_contain_text("make run")
        check_page(page, console, "orchestrator-down")
    finally:
        stack.start_one("orchestrator")
        stack.wait_serving("orchestrator")
