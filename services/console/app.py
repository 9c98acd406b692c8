"""The console's web application: routes, static files and the pages' shared error page."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from services.console import (
    pages_application,
    pages_cases,
    pages_history,
    pages_people,
    pages_whatif,
)
from services.console.ended_sessions import EndedSessions
from services.console.orchestrator import Orchestrator
from services.console.problems import Problem
from services.console.security_headers import SecurityHeaders
from services.console.sessions import Session, SessionCodec, session_secret
from services.console.settings import ConsoleSettings
from services.console.web import (
    ProblemRaised,
    codec,
    csrf_ok,
    render,
    replace_session,
    session_of,
    to_sign_in,
    with_cookie,
)
from shared.caseworker_token import CASEWORKER_ID_RULE, ROLES, is_caseworker_id

STATIC = Path(__file__).with_name("static")

SIGN_IN_MESSAGES = {
    "expired": "Your session expired. Sign in again to go on where you were.",
    "signin": "Sign in to use the console.",
    "token": "The orchestrator no longer accepts your sign-in. Sign in again.",
    "signedout": "You are signed out.",
}


async def sign_in_page(request: Request) -> Response:
    why = request.query_params.get("why", "")
    return render(
        request,
        "signin.html",
        roles=ROLES,
        notice=SIGN_IN_MESSAGES.get(why, ""),
        expired=why == "expired",
        next=_safe_next(request.query_params.get("next", "/cases")),
        values={},
        errors={},
    )


def _safe_next(target: str) -> str:
    """Only a path on this console, never another site."""
    return target if target.startswith("/") and not target.startswith("//") else "/cases"


async def sign_in(request: Request) -> Response:
    form = await request.form()
    session = session_of(request)
    if not await csrf_ok(request, session):
        return render(
            request,
            "problem.html",
            status=403,
            problem=Problem(
                "This form cannot be accepted",
                "The sign-in form is out of date.",
                "Reload the sign-in page and try again.",
                http_status=403,
            ),
        )
    caseworker = str(form.get("caseworker", "")).strip()
    role = str(form.get("role", ""))
    errors = {}
    if not is_caseworker_id(caseworker):
        errors["caseworker"] = (
            f"Enter your caseworker id: {CASEWORKER_ID_RULE.removeprefix('a caseworker id is ')}."
        )
    if role not in ROLES:
        errors["role"] = "Choose the role you are working in."
    if errors:
        return render(
            request,
            "signin.html",
            status=422,
            roles=ROLES,
            notice="",
            expired=False,
            next=_safe_next(str(form.get("next", "/cases"))),
            values={"caseworker": caseworker, "role": role},
            errors=errors,
        )
    replace_session(request, Session.for_caseworker(caseworker, role))
    target = _safe_next(str(form.get("next", "/cases")))
    return with_cookie(request, RedirectResponse(target, status_code=303))


async def sign_out(request: Request) -> Response:
    # Another site must not be able to sign a caseworker out either.
    if not await csrf_ok(request, session_of(request)):
        return RedirectResponse("/cases", status_code=303)
    # Not only this browser's cookie: any copy of it is refused from now on.
    codec(request).end(session_of(request))
    replace_session(request, Session.anonymous())
    return with_cookie(request, RedirectResponse("/signin?why=signedout", status_code=303))


async def home(request: Request) -> Response:
    return RedirectResponse("/cases", status_code=303)


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


async def problem_raised(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProblemRaised)
    if exc.problem.sign_in_again:
        return to_sign_in(request, "token")
    response = render(request, "problem.html", status=exc.problem.http_status, problem=exc.problem)
    if exc.problem.retry_after is not None:
        response.headers["Retry-After"] = str(exc.problem.retry_after)
    return response


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    title = "Page not found" if exc.status_code == 404 else "That request cannot be served"
    return render(
        request,
        "problem.html",
        status=exc.status_code,
        problem=Problem(
            title, str(exc.detail), "Use the menu to go on.", http_status=exc.status_code
        ),
    )


async def server_error(request: Request, exc: Exception) -> Response:
    # Never a trace in the page; the console's log has it.
    return render(
        request,
        "problem.html",
        status=500,
        problem=Problem(
            "Something went wrong in the console",
            "The page could not be made.",
            "Try again; if it goes on, tell the people who run the system.",
            http_status=500,
        ),
    )


class _Console(Starlette):
    def build_middleware_stack(self) -> ASGIApp:
        # Outside Starlette's own error middleware, so its 500 page carries them too.
        return SecurityHeaders(super().build_middleware_stack())


def create_app(settings: ConsoleSettings) -> Starlette:
    orchestrator = Orchestrator(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await orchestrator.close()

    routes = [
        Route("/", home),
        Route("/healthz", healthz),
        Route("/signin", sign_in_page, methods=["GET"]),
        Route("/signin", sign_in, methods=["POST"]),
        Route("/signout", sign_out, methods=["POST"]),
        *pages_cases.routes(),
        *pages_history.routes(),
        *pages_application.routes(),
        *pages_whatif.routes(),
        *pages_people.routes(),
        Mount("/static", StaticFiles(directory=str(STATIC)), name="static"),
    ]
    app = _Console(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={
            ProblemRaised: problem_raised,
            HTTPException: http_error,
            Exception: server_error,
        },
    )
    orchestrator.ensure_credentials()
    app.state.orchestrator = orchestrator
    app.state.codec = SessionCodec(
        session_secret(settings.data_dir),
        settings.session_minutes * 60,
        EndedSessions.in_data_dir(settings.data_dir),
    )
    app.state.settings = settings
    return app
