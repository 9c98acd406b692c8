"""Access rights as data: which caller may call which method, in which role, for which purpose.

Each service keeps one policy file (``services/<service>/access.yaml``)::

    service: eligibility.treasury.v1.IncomeVerificationService
    methods:
      VerifyHouseholdIncome:
        callers: [orchestrator]              # identities from client certificates
        purposes: [eligibility-determination]  # optional: the purpose the caller declares
      GetCase:
        callers: [caseworker-tool]
        roles: [caseworker, supervisor]      # optional: a caseworker token with one of these

A method the file does not list is refused. The standard health and reflection services
are open to every caller with a certificate from the stack's CA, so stock tools work.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from shared.context import Principal
from shared.yaml_data import read_yaml

STANDARD_SERVICES = (
    "grpc.health.v1.Health",
    "grpc.reflection.v1alpha.ServerReflection",
    "grpc.reflection.v1.ServerReflection",
)

# Reasons a call is refused (ErrorInfo reasons).
CALLER_NOT_ALLOWED = "CALLER_NOT_ALLOWED"
ROLE_NOT_ALLOWED = "ROLE_NOT_ALLOWED"
TOKEN_MISSING = "TOKEN_MISSING"
PURPOSE_NOT_ALLOWED = "PURPOSE_NOT_ALLOWED"
METHOD_NOT_LISTED = "METHOD_NOT_LISTED"


@dataclass(frozen=True)
class Rule:
    callers: frozenset[str]
    roles: frozenset[str] | None = None
    purposes: frozenset[str] | None = None


@dataclass(frozen=True)
class Refusal:
    reason: str
    message: str
    unauthenticated: bool = False


@dataclass(frozen=True)
class AccessPolicy:
    """Rules by full method path (``/package.Service/Method``)."""

    rules: Mapping[str, Rule]

    @classmethod
    def load(cls, *paths: Path) -> AccessPolicy:
        rules: dict[str, Rule] = {}
        for path in paths:
            rules.update(_rules_of(read_yaml(path), path))
        return cls(rules)

    @cached_property
    def service_callers(self) -> frozenset[str]:
        """Callers some method admits on their certificate alone: services, not a
        person's tool (shared/rate_limit.py allows them more)."""
        return frozenset(
            caller for rule in self.rules.values() if rule.roles is None for caller in rule.callers
        )

    def needs_caseworker(self, method: str) -> bool:
        rule = self.rules.get(method)
        return rule is not None and rule.roles is not None

    def decide(self, method: str, who: Principal, purpose: str | None) -> Refusal | None:
        """None when ``who`` may make this call; else why not."""
        service = method.strip("/").split("/", 1)[0]
        if service in STANDARD_SERVICES:
            return None
        rule = self.rules.get(method)
        if rule is None:
            return Refusal(METHOD_NOT_LISTED, f"no caller may call {method}")
        if who.service not in rule.callers:
            return Refusal(CALLER_NOT_ALLOWED, f"{who.service!r} may not call {method}")
        if rule.roles is not None:
            if who.role is None:
                return Refusal(
                    TOKEN_MISSING,
                    f"{method} needs a caseworker's signed token (authorization: Bearer ...)",
                    unauthenticated=True,
                )
            if who.role not in rule.roles:
                return Refusal(
                    ROLE_NOT_ALLOWED,
                    f"the {who.role} role may not call {method}; it needs "
                    + " or ".join(sorted(rule.roles)),
                )
        if rule.purposes is not None and purpose not in rule.purposes:
            return Refusal(
                PURPOSE_NOT_ALLOWED,
                f"{method} answers only for "
                + ", ".join(sorted(rule.purposes))
                + f"; the call declared {purpose or 'no purpose'!r}",
            )
        return None


def _rules_of(document: object, path: Path) -> dict[str, Rule]:
    if not isinstance(document, dict) or not isinstance(document.get("methods"), dict):
        raise ValueError(f"{path}: an access policy has 'service' and 'methods'")
    service = document.get("service")
    if not isinstance(service, str) or not service:
        raise ValueError(f"{path}: 'service' must name the gRPC service")
    rules: dict[str, Rule] = {}
    for name, body in document["methods"].items():
        if not isinstance(body, dict) or not body.get("callers"):
            raise ValueError(f"{path}: {name} must list its callers")
        rules[f"/{service}/{name}"] = Rule(
            frozenset(body["callers"]),
            frozenset(body["roles"]) if "roles" in body else None,
            frozenset(body["purposes"]) if "purposes" in body else None,
        )
    return rules
