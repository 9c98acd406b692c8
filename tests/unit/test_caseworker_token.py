"""Caseworker tokens: what the issuer signs is what the orchestrator believes, and any
other token (bent claims, another key, another certificate) is refused with a reason."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared import jws
from shared.caseworker_token import TOKEN_TYPE, TokenError, TokenIssuer, TokenVerifier
from shared.signing_keys import generate_signing_key
from shared.tls import CASEWORKER_TOOL, DevCertificates

NOW = dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.UTC)
KEY = generate_signing_key()
VERIFIER = TokenVerifier({jws.key_id(KEY.public_key()): KEY.public_key()})
_FOLDER = DevCertificates(Path(tempfile.mkdtemp())).ensure()
TOOL_CERT = _FOLDER.files(CASEWORKER_TOOL).cert.read_bytes()
OTHER_CERT = _FOLDER.files("hhs").cert.read_bytes()


def _claims(**changes: object) -> dict[str, object]:
    claims: dict[str, object] = {
        "ver": 1,
        "iss": "elig-local-issuer",
        "aud": "orchestrator",
        "sub": "cw-7",
        "role": "caseworker",
        "azp": CASEWORKER_TOOL,
        "cnf": {"x5t#S256": _thumbprint(TOOL_CERT)},
        "iat": int(NOW.timestamp()),
        "exp": int(NOW.timestamp()) + 900,
        "jti": "t-1",
    }
    claims.update(changes)
    return claims


def _thumbprint(cert: bytes) -> str:
    from shared.caseworker_token import certificate_thumbprint

    return certificate_thumbprint(cert)


def _verify(token: str, cert: bytes = TOOL_CERT) -> object:
    return VERIFIER.verify(token, tool=CASEWORKER_TOOL, tool_cert_pem=cert, now=NOW)


def test_a_token_from_the_issuer_names_the_caseworker_and_role() -> None:
    token = TokenIssuer(KEY).issue(
        "cw-7", "supervisor", tool=CASEWORKER_TOOL, tool_cert_pem=TOOL_CERT, now=NOW
    )
    person = _verify(token)
    assert (person.id, person.role) == ("cw-7", "supervisor")  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", ["ana.lopez@agency.example", "e1042", "0f8c2d1e-77aa-4e1b"])
def test_ids_identity_providers_issue_are_caseworker_ids(name: str) -> None:
    token = TokenIssuer(KEY).issue(
        name, "caseworker", tool=CASEWORKER_TOOL, tool_cert_pem=TOOL_CERT, now=NOW
    )
    assert _verify(token).id == name  # type: ignore[attr-defined]


def test_the_issuer_refuses_a_look_alike_id() -> None:
    with pytest.raises(ValueError, match="letters, digits"):
        TokenIssuer(KEY).issue(
            "cw-\u0430lice", "caseworker", tool=CASEWORKER_TOOL, tool_cert_pem=TOOL_CERT, now=NOW
        )


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"role": "admin"}, "TOKEN_INVALID"),
        ({"sub": ""}, "TOKEN_INVALID"),
        ({"sub": "cw\x00-7"}, "TOKEN_INVALID"),
        ({"sub": "x" * 65}, "TOKEN_INVALID"),
        # A look-alike of cw-alice (Cyrillic а) and a name with a space: two people who
        # would read the same, or ambiguously, in the audit log.
        ({"sub": "cw-\u0430lice"}, "TOKEN_INVALID"),
        ({"sub": "cw alice"}, "TOKEN_INVALID"),
        ({"ver": 2}, "TOKEN_INVALID"),
        # JSON's true and 1.0 compare equal to 1 in Python; neither is version 1.
        ({"ver": True}, "TOKEN_INVALID"),
        ({"ver": 1.0}, "TOKEN_INVALID"),
        ({"aud": "treasury"}, "TOKEN_WRONG_AUDIENCE"),
        ({"azp": "hhs"}, "TOKEN_WRONG_TOOL"),
        ({"exp": int(NOW.timestamp()) + 13 * 3600}, "TOKEN_LIFETIME_TOO_LONG"),
        ({"exp": int(NOW.timestamp())}, "TOKEN_EXPIRED"),
        (
            {"iat": int(NOW.timestamp()) + 3600, "exp": int(NOW.timestamp()) + 3700},
            "TOKEN_NOT_YET_VALID",
        ),
        ({"iat": "now"}, "TOKEN_INVALID"),
        ({"cnf": {"x5t#S256": "another"}}, "TOKEN_NOT_BOUND"),
        ({"cnf": None}, "TOKEN_NOT_BOUND"),
    ],
)
def test_a_bent_claim_signed_with_the_real_key_is_refused_with_its_reason(
    changes: dict[str, object], reason: str
) -> None:
    with pytest.raises(TokenError) as caught:
        _verify(jws.sign(KEY, TOKEN_TYPE, _claims(**changes)))
    assert caught.value.reason == reason


def test_a_token_presented_over_another_certificate_is_refused() -> None:
    with pytest.raises(TokenError) as caught:
        _verify(jws.sign(KEY, TOKEN_TYPE, _claims()), cert=OTHER_CERT)
    assert caught.value.reason == "TOKEN_NOT_BOUND"


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["ver", "sub", "role", "aud", "azp", "cnf", "iat", "exp"]),
        st.one_of(
            st.none(), st.integers(), st.text(max_size=70), st.booleans(), st.lists(st.integers())
        ),
    )
)
def test_any_claims_at_all_are_either_believed_or_refused_with_a_reason(
    changes: dict[str, object],
) -> None:
    """Never an exception of another kind: a token is attacker input."""
    token = jws.sign(KEY, TOKEN_TYPE, _claims(**changes))
    try:
        _verify(token)
    except TokenError as error:
        assert error.reason.startswith("TOKEN_")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_as_a_token_is_refused_as_invalid(text: str) -> None:
    with pytest.raises(TokenError) as caught:
        _verify(text)
    assert caught.value.reason == "TOKEN_INVALID"
