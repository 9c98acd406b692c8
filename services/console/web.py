"""What every page handler shares: the session, sign-in and form-token checks, rendering
with the session cookie, and calls to the orchestrator that fail as a Problem."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import grpc
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from services.console import household_form, labels
from services.console.orchestrator import Orchestrator
from services.console.problems import Problem, problem_of
from services.console.sessions import (
    COOKIE,
    CSRF_FIELD,
    CSRF_HEADER,
    Session,
    SessionCodec,
)

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
TEMPLATES.env.globals.update(labels=labels, hf=household_form, field_id=household_form.field_id)

Handler = Callable[[Request], Awaitable[Response]]


class ProblemRaised(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.title)
        self.problem = problem


def codec(request: Request) -> SessionCodec:
    return request.app.state.codec


def orchestrator(request: Request) -> Orchestrator:
    return request.app.state.orchestrator


def session_of(request: Request) -> Session:
    """The request's session, decoded once; a new anonymous one when there is none."""
    if not hasattr(request.state, "session"):
        decoded = codec(request).decode(request.cookies.get(COOKIE))
        request.state.expired = decoded.expired
        request.state.session = decoded.session or Session.anonymous()
        request.state.session_changed = decoded.session is None
    return request.state.session


def replace_session(request: Request, session: Session) -> None:
    request.state.session = session
    request.state.session_changed = True


def with_cookie(request: Request, response: Response) -> Response:
    if getattr(request.state, "session_changed", False):
        response.set_cookie(
            COOKIE,
            codec(request).encode(request.state.session),
            max_age=int(codec(request).lifetime_seconds),
            httponly=True,
            samesite="strict",
            secure=request.app.state.settings.secure_cookie or request.url.scheme == "https",
            path="/",
        )
    # Pages show personal data: never keep them in a shared cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def render(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    session = session_of(request)
    context.update(request=request, session=session, csrf=session.csrf)
    response = TEMPLATES.TemplateResponse(request, template, context, status_code=status)
    return with_cookie(request, response)


def to_sign_in(request: Request, why: str) -> Response:
    """Back to the sign-in page, saying why and where the caseworker was going."""
    target = f"/signin?why={why}&next={quote(request.url.path, safe='/')}"
    if request.headers.get("hx-request"):
        response: Response = Response(status_code=204, headers={"HX-Redirect": target})
    else:
        response = RedirectResponse(target, status_code=303)
    return with_cookie(request, response)


def signed_in(handler: Handler) -> Handler:
    """Pages for a signed-in caseworker; every POST must carry the session's form token."""

    @functools.wraps(handler)
    async def wrapper(request: Request) -> Response:
        session = session_of(request)
        if not session.signed_in:
            return to_sign_in(request, "expired" if request.state.expired else "signin")
        if request.method == "POST" and not await csrf_ok(request, session):
            return render(
                request,
                "problem.html",
                status=403,
                problem=Problem(
                    "This form cannot be accepted",
                    "It did not come from this console's page, or the page is from an "
                    "earlier sign-in.",
                    "Go back, reload the page and send the form again.",
                    http_status=403,
                ),
            )
        return await handler(request)

    return wrapper


async def csrf_ok(request: Request, session: Session) -> bool:
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        form = await request.form()
        sent = str(form.get(CSRF_FIELD, ""))
    return bool(sent) and secrets.compare_digest(sent, session.csrf)


async def call(request: Request, rpc: str, message: Any, action: str = "this") -> Any:
    """One orchestrator call as the signed-in caseworker; a failure raises ProblemRaised."""
    session = session_of(request)
    client = orchestrator(request)
    try:
        return await client.call(rpc, message, session.caseworker or "", session.role or "")
    except grpc.aio.AioRpcError as error:
        raise ProblemRaised(problem_of(error, client.target, action)) from None
    except (OSError, ValueError) as error:
        # The console's own certificate or the token key is missing or unreadable.
        raise ProblemRaised(
            Problem(
                "The console cannot prove who it is",
                f"Its certificate or the token key could not be read ({type(error).__name__}).",
                "Start the console with `elig up`, which creates them in the data folder.",
                http_status=500,
            )
        ) from None


def form_dict(form: Any) -> dict[str, str]:
    """The last value of each field, and every value of the checkbox lists, as text."""
    out: dict[str, str] = {}
    for key, value in form.multi_items():
        out[key] = str(value)
    return out
