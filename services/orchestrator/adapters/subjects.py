"""Keyed references to people, so the orchestrator can find a person's facts, consents
and audit entries across cases without storing the SSN beside them."""

from __future__ import annotations

import functools
import hashlib
import hmac

from eligibility.common.v1 import household_pb2
from shared.audit import audit_subject_ref

_CLAIM_DOMAIN = b"elig-identity-claim-v1\x00"
# One application asks for each member's reference a dozen times or more (its reads,
# consents, facts, audit notes), each an HMAC. The memos keep the 512 people asked about
# last, in this process's memory only (where their requests already are), and drop the
# least recently used.
_MEMO_SIZE = 512


class Subjects:
    def __init__(self, key: bytes) -> None:
        self._key = key
        self.ref = functools.lru_cache(maxsize=_MEMO_SIZE)(self._ref)
        self._claim_of = functools.lru_cache(maxsize=_MEMO_SIZE)(self._digest)

    def _ref(self, ssn: str) -> str:
        return audit_subject_ref(self._key, ssn)

    def _digest(self, text: str) -> str:
        return hmac.new(self._key, _CLAIM_DOMAIN + text.encode(), hashlib.sha256).hexdigest()[:48]

    def claim(self, member: household_pb2.Person) -> str:
        """Digest of who the person says they are: a verified identity is reused only
        for the same SSN, name and birth date."""
        d = member.birth_date
        return self._claim_of(
            "\x00".join(
                (
                    member.ssn,
                    member.name.given.strip().casefold(),
                    member.name.family.strip().casefold(),
                    f"{d.year:04d}-{d.month:02d}-{d.day:02d}",
                )
            )
        )
