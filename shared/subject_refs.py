"""Subject references: a keyed, one-way name for a person, so proofs and audit logs can
say who without carrying an SSN.

HMAC-SHA256 over ``domain NUL ssn`` under a subject key the stack's services share: an
agency can compare a reference with the SSN in a request, while a reference that leaks
cannot be turned back into an SSN by trying all 10^9 of them, as a plain hash could.
Each use has its own domain, so references of one kind never match another's.
"""

from __future__ import annotations

import hashlib
import hmac

from shared.jws import b64encode

CONSENT_SUBJECT_DOMAIN = "elig-consent-subject-v1"
MIN_SUBJECT_KEY_BYTES = 32


def subject_reference(key: bytes, ssn: str, domain: str = CONSENT_SUBJECT_DOMAIN) -> str:
    """A keyed, one-way reference to a person: base64url HMAC-SHA256 of domain NUL ssn."""
    if len(key) < MIN_SUBJECT_KEY_BYTES:
        raise ValueError(f"a subject key needs at least {MIN_SUBJECT_KEY_BYTES} bytes")
    digest = hmac.new(key, domain.encode() + b"\x00" + ssn.encode(), hashlib.sha256).digest()
    return b64encode(digest)
