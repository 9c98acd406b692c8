"""A YAML file people wrote, read into a mapping, or one line saying why it cannot be.

The CLI prints these lines as they are: a parser's own message runs over three or four
lines and points into its internals, where a caseworker needs the file, the place and
what is wrong there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class FileProblem(ValueError):
    """A file that is not what it should be, said in one line."""


def read_mapping(path: Path, expected: str) -> dict[str, Any]:
    """The file's top-level mapping; ``expected`` says what it should hold when it is not one."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise FileProblem(f"{path}: not a text file (UTF-8 expected)") from None
    except OSError as error:
        raise FileProblem(f"{path}: cannot be read: {error.strerror or error}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise FileProblem(f"{path}: not valid YAML{problem(error)}") from None
    if not isinstance(data, dict):
        raise FileProblem(f"{path}: expected a mapping with {expected}")
    return data


def problem(error: yaml.YAMLError) -> str:
    """Where the parser stopped and why, as the rest of one line."""
    mark = getattr(error, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    what = getattr(error, "problem", None) or str(error).splitlines()[0]
    return f"{where}: {what}"
