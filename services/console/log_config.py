"""What the console's logs (uvicorn's, in console.log) may hold.

A GET form puts its fields in the query string (the cases search box), and a caseworker
will type an SSN or a name there whatever the hint says; uvicorn's access log writes the
request line as received. Query values are withheld here, keeping the path and the
parameter names, which are enough to tell which page and which form was asked for.

A failure uvicorn logs comes with its exception's message, which may quote a form's
value; it is logged as the services log theirs (shared/logging.py): type and frames only.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

from shared.logging import describe_without_messages

WITHHELD = "-"
# uvicorn.access records carry (client, method, path with query, HTTP version, status).
_PATH_ARG = 2
# The console's own parameter names; anything else in a name's place is withheld too.
_PARAMETER_NAME = re.compile(r"[a-z][a-z_]{0,31}")


def without_query_values(full_path: str) -> str:
    """``/cases?q=123456789&page_token=x`` -> ``/cases?q=-&page_token=-``; a name that is
    not shaped like one of ours is withheld as well."""
    path, mark, query = full_path.partition("?")
    if not mark:
        return full_path
    names = [
        name if _PARAMETER_NAME.fullmatch(name) else WITHHELD
        for name, _ in parse_qsl(query, keep_blank_values=True)
    ]
    if not names:
        return f"{path}?{WITHHELD}" if query else path
    return f"{path}?{urlencode([(name, WITHHELD) for name in names], safe=WITHHELD)}"


class WithoutQueryValues(logging.Filter):
    """Rewrites each access record's path before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        args: Any = record.args
        if isinstance(args, tuple) and len(args) > _PATH_ARG and isinstance(args[_PATH_ARG], str):
            shown = list(args)
            shown[_PATH_ARG] = without_query_values(args[_PATH_ARG])
            record.args = tuple(shown)
        return True


class WithoutExceptionMessages(logging.Filter):
    """A record's exception becomes its type and traceback, without its message."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is not None:
            record.msg = record.getMessage() + describe_without_messages(error)
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging set-up, with the access handler withholding query values and
    the other withholding exception messages."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    filters = config.setdefault("filters", {})
    filters["without_query_values"] = {"()": WithoutQueryValues}
    filters["without_exception_messages"] = {"()": WithoutExceptionMessages}
    config["handlers"]["access"]["filters"] = ["without_query_values"]
    config["handlers"]["default"]["filters"] = ["without_exception_messages"]
    return config
