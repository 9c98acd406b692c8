"""The stack's subject key, which an agency needs to name people in its audit log
without their SSN, and must never create: every service names a person the same way,
so the stack launcher (or the deployment's secret store) provides the one key."""

from __future__ import annotations

from shared.consent import LocalConsentKeys


def required_subject_key(keys: LocalConsentKeys, service: str) -> bytes:
    path = keys.subject_key_path
    if not path.is_file():
        raise SystemExit(
            f"{service}: cannot start without the subject key; missing {path}. The stack "
            "launcher creates it (shared.consent.ensure_local_keys) before the services start."
        )
    return keys.subject_key()
