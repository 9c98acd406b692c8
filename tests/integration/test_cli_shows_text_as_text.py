"""What a case holds is shown by `elig` as text: a person id or a quoted value that looks
like rich markup (``[/bold]``, ``[link=...]``) neither stops the command with a markup error
nor turns into styling or a link on the screen of whoever views the case.

The case is stored by a real orchestrator and read back over gRPC, then rendered by the
CLI's own functions into a recording console.
"""

from __future__ import annotations

import io

import grpc
import pytest
import typer
from rich.console import Console

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.cli import client, render
from services.harness.households import example_paths, load_request

CLOSING = "[/bold]wei"
LINK = "[link=https://evil.example]wei[/link]"


def _with_person_id(request: pb.SubmitApplicationRequest, new: str) -> None:
    member = request.household.members[0]
    old, member.person_id = member.person_id, new
    for unit in request.household.tax_units:
        unit.filer_person_ids[:] = [new if p == old else p for p in unit.filer_person_ids]
    for consent in request.consents:
        if consent.person_id == old:
            consent.person_id = new


def _recording() -> Console:
    return Console(file=io.StringIO(), force_terminal=True, width=200, record=True)


@pytest.mark.parametrize("person_id", [CLOSING, LINK])
async def test_a_case_with_markup_in_a_person_id_is_shown_as_text(coordination, person_id) -> None:  # type: ignore[no-untyped-def]
    request = load_request(next(p for p in example_paths() if "chen" in p.name), "cli-markup")
    _with_person_id(request, person_id)
    stored = (await coordination.orchestrator.SubmitApplication(request)).case
    case = (await coordination.orchestrator.GetCase(pb.GetCaseRequest(case_id=stored.case_id))).case
    console = _recording()
    render.print_case(console, case)
    render.explain(console, case)
    shown = console.export_text()
    assert person_id in shown
    assert "\x1b]8;" not in console.file.getvalue()  # type: ignore[attr-defined]


async def test_an_error_quoting_markup_is_shown_as_text(coordination, capsys) -> None:  # type: ignore[no-untyped-def]
    request = load_request(next(p for p in example_paths() if "chen" in p.name), "cli-state")
    request.household.address.state_code = "[/b]"
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await coordination.orchestrator.SubmitApplication(request)
    with pytest.raises(typer.Exit):
        client.fail(caught.value)
    # The state code is upper-cased before it is checked.
    assert "'[/B]' is not a USPS code" in capsys.readouterr().err
