"""What the domain needs of the keyed references to people (adapters/subjects.py holds the key)."""

from __future__ import annotations

from typing import Protocol

from eligibility.common.v1 import household_pb2


class SubjectKeys(Protocol):
    def ref(self, ssn: str) -> str: ...

    def claim(self, member: household_pb2.Person) -> str: ...
