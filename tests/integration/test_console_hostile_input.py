"""The console's HTTP forms under hostile input, over a real stack and a real console process.

A signed-in caseworker sends generated bodies (garbage, huge values, unicode, missing and
repeated fields, negative and enormous money, unknown choices, other caseworkers' case ids,
path traversal in ids) to every POST route and every GET route that reads parameters.
Whatever is sent, the console answers with a page for a person: never a 5xx, never a
trace; a 4xx with a heading, or the form with its field errors. A POST without the
session's form token is refused, and another caseworker's case is not shown.

Plain HTTP from the standard library: no browser is needed.
"""

from __future__ import annotations

import http.client
import re
import tempfile
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.cli.stack import Stack, free_ports, running_stack
from services.console import household_form
from services.console.pages_cases import LIFE_EVENT_FIELDS, LIFE_EVENT_KINDS
from services.console.sessions import COOKIE
from shared.ordered_ids import ordered_id

Fields = list[tuple[str, str]]

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_H1 = re.compile(r"<h1[^>]*>\s*([^<\s][^<]*)</h1>")
# What a Python or Starlette trace looks like in a page.
_TRACE = ("Traceback (most recent call last)", 'File "/', "starlette/", "Exception:")
# The sample household's names: a page of a case the caseworker may not see shows neither.
_PRIVATE = ("Ana", "Leo")


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: str


@dataclass
class Client:
    """One browser: keeps the session cookie the console sets, nothing else."""

    port: int
    cookie: str = ""
    csrf: str = ""
    seen: list[tuple[str, str, int]] = field(default_factory=list, repr=False)

    def send(
        self,
        method: str,
        path: str,
        fields: Fields | None = None,
        headers: dict[str, str] | None = None,
        *,
        keep_cookie: bool = True,
    ) -> Reply:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        sent = dict(headers or {})
        if self.cookie:
            sent["Cookie"] = f"{COOKIE}={self.cookie}"
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=sent)
            raw = connection.getresponse()
            text = raw.read().decode("utf-8", "replace")
            reply = Reply(raw.status, {k.lower(): v for k, v in raw.getheaders()}, text)
        finally:
            connection.close()
        cookie = reply.headers.get("set-cookie", "")
        if keep_cookie and cookie.startswith(f"{COOKIE}="):
            self.cookie = cookie.split(";", 1)[0].split("=", 1)[1]
        found = _CSRF.search(reply.body)
        if keep_cookie and found:
            self.csrf = found[1]
        self.seen.append((method, path[:80], reply.status))
        return reply

    def sign_in(self, caseworker: str, role: str = "caseworker") -> None:
        self.send("GET", "/signin")
        reply = self.send(
            "POST",
            "/signin",
            [("caseworker", caseworker), ("role", role), ("csrf_token", self.csrf)],
        )
        assert reply.status == 303, reply.body[:500]
        # Signing in makes a new form token: read it from a page.
        assert self.send("GET", "/cases").status == 200
        assert self.csrf


@dataclass
class Console:
    port: int
    own_case: str
    others_case: str


def _submit_sample(client: Client) -> str:
    fields = [*household_form.SAMPLE.items(), ("plan_year", "2027"), ("consent_treasury", "on")]
    fields += [("programs", p) for p in ("medicaid", "chip", "marketplace", "snap")]
    fields += [("request_id", f"sample-{client.csrf[:8]}"), ("csrf_token", client.csrf)]
    reply = client.send("POST", "/applications", fields)
    assert reply.status == 303, reply.body[:2000]
    location = reply.headers["location"]
    return location.split("/cases/", 1)[1].split("?", 1)[0]


@pytest.fixture(scope="module")
def console() -> Iterator[Console]:
    with tempfile.TemporaryDirectory(prefix="elig-console-hostile-") as folder:
        stack = Stack.on_free_ports(Path(folder))
        with running_stack(stack):
            url = stack.start_console(free_ports(1)[0])
            port = int(url.rsplit(":", 1)[1])
            owner = Client(port)
            owner.sign_in("cw-hostile-owner")
            others_case = _submit_sample(owner)
            me = Client(port)
            me.sign_in("cw-hostile")
            own_case = _submit_sample(me)
            yield Console(port, own_case, others_case)


@pytest.fixture(scope="module")
def me(console: Console) -> Client:
    client = Client(console.port)
    client.sign_in("cw-hostile")
    return client


def assert_answered_for_a_person(reply: Reply, what: str) -> None:
    assert reply.status < 500, f"{what}: {reply.status}\n{reply.body[:1500]}"
    for sign in _TRACE:
        assert sign not in reply.body, f"{what}: a trace in the page ({sign!r})"
    if reply.status >= 400 and reply.headers.get("content-type", "").startswith("text/html"):
        heading = _H1.search(reply.body)
        assert heading and heading[1].strip(), f"{what}: {reply.status} without a heading"


# --- Generated hostile values ----------------------------------------------------------

_SPECIAL = [
    "",
    " ",
    "\x00",
    "null",
    "None",
    "-1",
    "0",
    "99999999999999999999999999",
    "-99999999999999999999999999",
    "1e999999999",
    "-1e999999999",
    "Infinity",
    "-Infinity",
    "NaN",
    "sNaN",
    "1e-999999999",
    "$-1,000.00",
    "12,,34.5.6",
    "0x1F",
    "2027-02-30",
    "0000-00-00",
    "9999-99-99",
    "-2000-01-01",
    "../../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "{{ 7*7 }}",
    "%s%s%s%n",
    "\u202e\u0645\u0631\u062d\u0628\u0627",
    "\U0001f600" * 20,
    "\ud7ff\ufffd\uffff",
    "remove:",
    "remove:abc",
    "remove:-1",
    "remove:99999999999999999999",
    "add",
    "csv",
    "revoke",
]
_NUMBERS = st.integers(min_value=-(2**80), max_value=2**80).map(str)
_HUGE = st.sampled_from([10_000, 100_000]).map(lambda n: "9" * n)
hostile_text = st.one_of(
    st.sampled_from(_SPECIAL),
    st.text(max_size=40),
    _NUMBERS,
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    _HUGE,
)


def hostile_fields(names: list[str], base: dict[str, str]) -> st.SearchStrategy[Fields]:
    """A form built from ``base``: each field kept, dropped, replaced by a hostile value or
    repeated, in any order, with a few fields the form never had."""

    @st.composite
    def build(draw: st.DrawFn) -> Fields:
        out: Fields = []
        for name in names:
            choice = draw(st.sampled_from(["keep", "keep", "drop", "hostile", "twice"]))
            value = base.get(name, "")
            if choice == "keep":
                out.append((name, value))
            elif choice == "hostile":
                out.append((name, draw(hostile_text)))
            elif choice == "twice":
                out += [(name, value), (name, draw(hostile_text))]
        extra = draw(st.lists(st.tuples(hostile_text, hostile_text), max_size=3))
        out += [(k[:200], v) for k, v in extra]
        return draw(st.permutations(out))

    return build()


_HOUSEHOLD_FIELDS = sorted(
    {
        *household_form.SAMPLE,
        *household_form.member_fields(0),
        *household_form.member_fields(1),
        *household_form.HOUSEHOLD_FIELDS,
    }
)
_PROGRAMS = st.lists(
    st.one_of(st.sampled_from(["medicaid", "chip", "marketplace", "snap"]), hostile_text),
    max_size=5,
)


def _case_ids(console: Console) -> st.SearchStrategy[str]:
    return st.one_of(
        st.just(console.others_case),
        st.just(console.own_case.upper()),
        st.sampled_from(
            ["..", "../..", "../../etc/passwd", "%2e%2e", "x" * 5000, " ", "\x00", "*", "%"]
        ),
        st.text(min_size=1, max_size=40),
    )


def _path_id(case_id: str) -> str:
    # Every character escaped, so "../" reaches the console as the id, not as a route.
    return urllib.parse.quote(case_id, safe="") or "%20"


SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


# --- The routes -------------------------------------------------------------------------


@SETTINGS
@given(data=st.data())
def test_the_application_form_answers_any_body_for_a_person(me: Client, data) -> None:  # type: ignore[no-untyped-def]
    base = dict(household_form.SAMPLE, plan_year="2027", consent_treasury="on", action="submit")
    names = [*_HOUSEHOLD_FIELDS, "member_count", "plan_year", "consent_treasury", "action"]
    fields = data.draw(hostile_fields(names, base), label="fields")
    fields += [("programs", p) for p in data.draw(_PROGRAMS, label="programs")]
    fields += [("request_id", data.draw(hostile_text, label="request_id"))]
    fields.append(("csrf_token", me.csrf))
    reply = me.send("POST", "/applications", fields)
    assert_answered_for_a_person(reply, "POST /applications")
    assert reply.status in (200, 303, 403, 409, 422), reply.status


@SETTINGS
@given(data=st.data())
def test_the_what_if_form_answers_any_body_for_a_person(me: Client, data) -> None:  # type: ignore[no-untyped-def]
    money = {"from_annual_cents": "0", "to_annual_cents": "60000", "step_cents": "2500"}
    base = dict(household_form.SAMPLE, person_id="p1", plan_year="2027", action="run", **money)
    names = [*_HOUSEHOLD_FIELDS, "member_count", "person_id", "plan_year", "action", *money]
    fields = data.draw(hostile_fields(names, base), label="fields")
    fields += [("programs", p) for p in data.draw(_PROGRAMS, label="programs")]
    fields.append(("csrf_token", me.csrf))
    reply = me.send("POST", "/what-if", fields)
    assert_answered_for_a_person(reply, "POST /what-if")


@SETTINGS
@given(data=st.data())
def test_the_life_event_form_answers_any_body_for_a_person(  # type: ignore[no-untyped-def]
    me: Client, console: Console, data
) -> None:
    kind = data.draw(st.one_of(st.sampled_from(sorted(LIFE_EVENT_KINDS)), hostile_text))
    base = {
        "event.kind": kind,
        "event.effective_date": "2026-12-01",
        "event.person_id": "p2",
        "event.incomes[0].annual_amount_cents": "30000",
        "event.expected_children": "2",
        "event.age_reached": "19",
        "event.new_member.birth_date": "2026-12-01",
        "event.departing_person_ids": "p2",
    }
    fields = data.draw(hostile_fields([*LIFE_EVENT_FIELDS, "request_id"], base), label="fields")
    fields.append(("csrf_token", me.csrf))
    case_id = data.draw(st.one_of(st.just(console.own_case), _case_ids(console)), label="case")
    reply = me.send("POST", f"/cases/{_path_id(case_id)}/life-event", fields)
    assert_answered_for_a_person(reply, "POST life-event")
    if case_id == console.others_case:
        assert reply.status == 403


@SETTINGS
@given(data=st.data())
def test_the_person_page_answers_any_body_for_a_person(me: Client, data) -> None:  # type: ignore[no-untyped-def]
    base = {"ssn": "123-45-6789", "action": "revoke", "consent_id": "x", "reason": "asked"}
    fields = data.draw(hostile_fields([*base, "request_id"], base), label="fields")
    fields.append(("csrf_token", me.csrf))
    reply = me.send("POST", "/people", fields)
    assert_answered_for_a_person(reply, "POST /people")


@SETTINGS
@given(data=st.data())
def test_pages_with_parameters_answer_any_value_for_a_person(  # type: ignore[no-untyped-def]
    me: Client, console: Console, data
) -> None:
    case_id = data.draw(_case_ids(console), label="case_id")
    # A URL past uvicorn's request-line limit (some 16 KB) is cut off by the HTTP server
    # before the console sees it, so query values stay under it; bodies carry the huge ones.
    value = data.draw(hostile_text, label="value")[:3000]
    query = urllib.parse.urlencode
    path = data.draw(
        st.sampled_from(
            [
                f"/cases?{query({'q': value})}",
                f"/cases?{query({'page_token': value})}",
                f"/cases?{query({'q': case_id, 'page_token': value})}",
                f"/burden?{query({'case_id': case_id})}",
                f"/cases/{_path_id(case_id)}",
                f"/cases/{_path_id(case_id)}/body",
                f"/cases/{_path_id(case_id)}/explain",
                f"/cases/{_path_id(case_id)}/life-event",
                f"/cases/{_path_id(case_id)}/events",
                f"/cases/{_path_id(case_id)}/history?{query({'as_of': value})}",
                f"/signin?{query({'why': value, 'next': value})}",
                f"/static/{_path_id(case_id)}",
            ]
        ),
        label="path",
    )
    headers = {"Last-Event-ID": value.encode("ascii", "replace").decode()[:200]}
    headers = {k: v for k, v in headers.items() if "\n" not in v and "\r" not in v}
    reply = me.send("GET", path, headers=headers, keep_cookie=False)
    assert_answered_for_a_person(reply, f"GET {path[:80]}")
    if case_id == console.others_case and "/cases/" in path and "/events" not in path:
        assert reply.status == 403


def test_every_post_without_or_with_a_wrong_form_token_is_refused(
    me: Client, console: Console
) -> None:
    stranger = Client(console.port)
    stranger.sign_in("cw-hostile-stranger")
    posts = ["/applications", "/what-if", "/people", f"/cases/{console.own_case}/life-event"]
    for path in posts:
        for token in (None, "", "wrong", stranger.csrf, me.csrf + "x"):
            fields = [*household_form.SAMPLE.items(), ("event.kind", "income_change")]
            if token is not None:
                fields.append(("csrf_token", token))
            reply = me.send("POST", path, fields)
            assert reply.status == 403, (path, token, reply.status)
            assert "This form cannot be accepted" in reply.body
            assert_answered_for_a_person(reply, f"POST {path} token={token!r}")
    # Sign-in and sign-out need the token too.
    fields = [("caseworker", "cw-intruder"), ("role", "supervisor"), ("csrf_token", "wrong")]
    assert me.send("POST", "/signin", fields, keep_cookie=False).status == 403
    out = me.send("POST", "/signout", [("csrf_token", "wrong")], keep_cookie=False)
    assert (out.status, out.headers["location"]) == (303, "/cases")
    assert me.send("GET", "/cases").status == 200  # still signed in


def test_another_caseworkers_case_is_not_shown(me: Client, console: Console) -> None:
    case = console.others_case
    for path in (f"/cases/{case}", f"/cases/{case}/body", f"/cases/{case}/explain"):
        reply = me.send("GET", path)
        assert reply.status == 403, (path, reply.status)
        assert "You may not do that" in reply.body
        assert case in reply.body or "case" in reply.body.lower()
        for private in _PRIVATE:
            assert private not in reply.body, (path, private)
    for path in (
        f"/cases/{case}/life-event",
        f"/cases/{case}/history",
        f"/burden?case_id={case}",
        f"/cases?q={case}",
    ):
        reply = me.send("GET", path)
        assert reply.status == 403, (path, reply.status)
        assert "You may not do that" in reply.body
    # The caseworker's own case is shown, so the refusal above is about whose case it is.
    own = me.send("GET", f"/cases/{console.own_case}")
    assert own.status == 200 and "Ana" in own.body


def _unmarked(reply: Reply, case_id: str) -> tuple[int, str]:
    """A page with the id asked for taken out."""
    return reply.status, reply.body.replace(case_id, "<id>")


def test_no_such_case_and_another_caseworkers_case_look_the_same(
    me: Client, console: Console
) -> None:
    """AIP-211 in the console: the page for a case id that does not exist is the page for
    another caseworker's, word for word, so a caseworker cannot tell which ids are taken."""
    nothing = ordered_id()
    for template in (
        "/cases/{}",
        "/cases/{}/body",
        "/cases/{}/explain",
        "/cases/{}/life-event",
        "/cases/{}/history",
        "/burden?case_id={}",
        "/cases?q={}",
    ):
        theirs = me.send("GET", template.format(console.others_case))
        missing = me.send("GET", template.format(nothing))
        assert theirs.status == 403, (template, theirs.status)
        assert _unmarked(missing, nothing) == _unmarked(theirs, console.others_case), template
    # Words searched for are not taken for a case id, so they are not refused.
    assert me.send("GET", "/cases?q=medicaid").status == 200


_NUMERIC_SPECIAL = [
    "1e999999999",
    "-1e999999999",
    "Infinity",
    "NaN",
    "9" * 5000,
    "-99999999999999999999999999",
    "99999999999999999999999999",
    "1e-999999999",
    "2147483648",
    "-2147483649",
    "12,,34.5.6",
    "\x00",
]
_NUMERIC_FIELDS = {
    "/applications": [
        "member_count",
        "plan_year",
        "household.members[0].incomes[0].annual_amount_cents",
        "household.members[0].work_activity.monthly_work_hours",
        "household.expenses.monthly_shelter_cents",
        "action",
    ],
    "/what-if": ["plan_year", "from_annual_cents", "to_annual_cents", "step_cents"],
}


def test_every_number_field_takes_every_hostile_number(me: Client, console: Console) -> None:
    """Hand-picked, beside the generated ones: each numeric field with each value that has
    broken a number parser somewhere (overflow, infinities, int32 and int64 edges)."""
    for path, names in _NUMERIC_FIELDS.items():
        for name in names:
            for value in _NUMERIC_SPECIAL:
                form = dict(household_form.SAMPLE, plan_year="2027", person_id="p1")
                form[name] = f"remove:{value}" if name == "action" else value
                fields = [*form.items(), ("programs", "medicaid"), ("csrf_token", me.csrf)]
                reply = me.send("POST", path, fields)
                assert_answered_for_a_person(reply, f"POST {path} {name}={value[:20]!r}")
                if name.endswith("_cents") and value in ("1e999999999", "Infinity", "NaN"):
                    # The form again, the amount's problem beside it.
                    assert reply.status == 422
                    assert household_form.UNREADABLE_AMOUNT in reply.body
    life_event = f"/cases/{console.own_case}/life-event"
    for kind, name in (
        ("pregnancy", "event.expected_children"),
        ("age_milestone", "event.age_reached"),
        ("income_change", "event.incomes[0].annual_amount_cents"),
    ):
        for value in _NUMERIC_SPECIAL:
            fields = [
                ("event.kind", kind),
                ("event.person_id", "p1"),
                ("event.effective_date", "2026-12-01"),
                (name, value),
                ("request_id", f"{kind}-{len(value)}-{value[:8]}"),
                ("csrf_token", me.csrf),
            ]
            reply = me.send("POST", life_event, fields)
            assert_answered_for_a_person(reply, f"POST life-event {name}={value[:20]!r}")
    # Another caseworker's case: its stream says "unavailable" and ends, so the reply ends.
    for value in _NUMERIC_SPECIAL[:-1]:
        reply = me.send(
            "GET", f"/cases/{console.others_case}/events", headers={"Last-Event-ID": value[:200]}
        )
        assert reply.status == 200 and "event: unavailable" in reply.body
