"""``@record``: a frozen dataclass whose constructor fills the instance in one step.

A frozen dataclass's generated ``__init__`` calls ``object.__setattr__`` once per field,
which makes it several times dearer than a plain class; the rules build dozens of results,
reasons and figures per household, so that was a large share of their time. ``record``
keeps everything ``dataclass(frozen=True)`` gives (fields, equality, hashing, repr,
``replace``, and assignment raising ``FrozenInstanceError``) and swaps only the
constructor for one that installs the instance's attribute dict whole. Its parameters are
the dataclass's own, in the same order with the same defaults; a class using a feature it
does not reproduce (``InitVar``, keyword-only fields) is refused when it is defined.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_UNSET = object()


def record(cls: type[T]) -> type[T]:
    cls = dataclasses.dataclass(frozen=True)(cls)
    plain_init = cls.__init__  # type: ignore[misc]
    namespace: dict[str, Any] = {"_set": object.__setattr__, "_UNSET": _UNSET}
    params: list[str] = []
    entries: list[str] = []
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        name = f.name
        value = name
        if f.default is not dataclasses.MISSING:
            namespace[f"_default_{name}"] = f.default
            default = f"_default_{name}"
        elif f.default_factory is not dataclasses.MISSING:
            namespace[f"_factory_{name}"] = f.default_factory
            default = "_UNSET"
            value = f"_factory_{name}() if {name} is _UNSET else {name}"
        else:
            default = ""
        if f.init:
            params.append(f"{name}={default}" if default else name)
            entries.append(f"{name!r}: {value}")
        elif f.default_factory is not dataclasses.MISSING:
            entries.append(f"{name!r}: _factory_{name}()")
        elif f.default is not dataclasses.MISSING:
            entries.append(f"{name!r}: _default_{name}")
    body = f"    _set(self, '__dict__', {{{', '.join(entries)}}})\n"
    if hasattr(cls, "__post_init__"):
        body += "    self.__post_init__()\n"
    source = f"def __init__(self, {', '.join(params)}):\n{body}"
    exec(source, namespace)  # noqa: S102 - the source is built from the class's own fields
    fast_init: Callable[..., None] = namespace["__init__"]
    fast_init.__qualname__ = f"{cls.__qualname__}.__init__"
    fast_init.__module__ = cls.__module__
    # Anything the dataclass would accept differently (InitVar, kw_only, ...) shows here.
    if _shape(inspect.signature(fast_init)) != _shape(inspect.signature(plain_init)):
        raise TypeError(f"@record cannot reproduce the constructor of {cls.__qualname__}")
    cls.__init__ = fast_init  # type: ignore[misc]
    # Kept so a test can compare the two constructors on the same arguments.
    cls.__plain_init__ = plain_init  # type: ignore[attr-defined]
    return cls


def _shape(signature: inspect.Signature) -> list[tuple[str, Any, bool]]:
    """Parameter names, kinds and whether each has a default (the defaults' values are the
    fields' own, or a marker for a factory, so they are not compared)."""
    return [
        (p.name, p.kind, p.default is not inspect.Parameter.empty)
        for p in signature.parameters.values()
    ]
