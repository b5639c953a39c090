"""Whether a role's trust policy lets a given identity call ``sts:AssumeRole``, read offline.

Pure: the policy document (as IAM ListRoles returns it) and what is known about the caller go in;
a verdict and a reason a person can read come out. The verdict is three-valued because a trust
policy can depend on facts only AWS knows at request time (source IP, tags, session names):
those give UNKNOWN, and ``profiles discover --verify`` settles them by trying.

Follows IAM's evaluation logic for one resource policy: an explicit Deny that applies wins; else
an Allow that applies allows; else nothing does. Only ``Principal``/``NotPrincipal``,
``Action``/``NotAction`` and the condition keys below are judged; ``aws:PrincipalArn`` of an
assumed role is not (its role's path is not in the session ARN), so it is UNKNOWN.
"""

from __future__ import annotations

import fnmatch
import json
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

ASSUME_ROLE = "sts:AssumeRole"

#: A tri-state: True (holds), False (does not), None (cannot be told offline).
Tri = bool | None


class Verdict(StrEnum):
    ALLOWED = "allowed"
    DENIED = "denied"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Caller:
    """What is known about the identity that would assume the role."""

    arn: str  # as STS GetCallerIdentity returns it
    user_id: str = ""
    org_id: str | None = None
    #: The generated profile will carry mfa_serial, so its sessions can have MFA.
    has_mfa: bool = False

    @property
    def partition(self) -> str:
        return self.arn.split(":")[1]

    @property
    def account(self) -> str:
        return self.arn.split(":")[4]

    @property
    def resource(self) -> str:
        return self.arn.split(":", 5)[5]

    @property
    def user_name(self) -> str | None:
        return self.resource.rsplit("/", 1)[1] if self.resource.startswith("user/") else None

    @property
    def assumed_role_name(self) -> str | None:
        """``R`` for ``arn:aws:sts::A:assumed-role/R/session``."""
        parts = self.resource.split("/")
        return parts[1] if parts[0] == "assumed-role" and len(parts) >= 3 else None


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    #: Why: for ALLOWED what allows it, otherwise what stands in the way.
    reason: str


def parse_policy(document: object) -> Mapping[str, Any] | None:
    """The policy as a mapping: ListRoles gives a URL-encoded JSON string where botocore's
    handler has not already decoded it."""
    if isinstance(document, Mapping):
        return document
    if isinstance(document, str):
        try:
            parsed = json.loads(urllib.parse.unquote(document))
        except ValueError:
            return None
        return parsed if isinstance(parsed, Mapping) else None
    return None


def _listed(value: object) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _action_applies(statement: Mapping[str, Any]) -> bool:
    def matches(patterns: object) -> bool:
        return any(
            isinstance(pattern, str) and fnmatch.fnmatchcase(ASSUME_ROLE.lower(), pattern.lower())
            for pattern in _listed(patterns)
        )

    if "NotAction" in statement:
        return not matches(statement["NotAction"])
    return matches(statement.get("Action"))


_ROLE_ARN = re.compile(r"^arn:[\w-]+:iam::(?P<account>\d{12}):role/(?:.*/)?(?P<name>[^/]+)$")


def _names_caller(entry: str, caller: Caller) -> bool:
    """Whether one ``"AWS"`` principal entry names the caller or its account."""
    if entry == "*":
        return True
    if entry in (caller.account, f"arn:{caller.partition}:iam::{caller.account}:root"):
        return True
    if entry == caller.arn:
        return True
    role = caller.assumed_role_name
    found = _ROLE_ARN.match(entry)
    return bool(role and found and found["account"] == caller.account and found["name"] == role)


def _principals(element: object) -> list[tuple[str, str]]:
    """(type, value) for each principal of a Principal element: ("AWS", arn), ("Service", ...)."""
    if element == "*":
        return [("AWS", "*")]
    if not isinstance(element, Mapping):
        return []
    return [(str(kind), str(value)) for kind, values in element.items() for value in _listed(values)]


def _principal_applies(statement: Mapping[str, Any], caller: Caller) -> bool:
    if "NotPrincipal" in statement:
        listed = _principals(statement["NotPrincipal"])
        return not any(kind == "AWS" and _names_caller(value, caller) for kind, value in listed)
    listed = _principals(statement.get("Principal"))
    return any(kind == "AWS" and _names_caller(value, caller) for kind, value in listed)


# --------------------------------------------------------------------------- conditions


def _context(caller: Caller) -> dict[str, str | None]:
    """Condition keys whose value is known offline (None: known to be absent from the request)."""
    user = caller.user_name
    known: dict[str, str | None] = {
        "aws:principalaccount": caller.account,
        "aws:principaltype": "User" if user else ("AssumedRole" if caller.assumed_role_name else None),
        "aws:multifactorauthpresent": "true" if caller.has_mfa else None,
        "sts:externalid": None,  # a generated profile sets no external_id
    }
    if user:
        known["aws:principalarn"] = caller.arn
        known["aws:username"] = user
    if caller.user_id:
        known["aws:userid"] = caller.user_id
    if caller.org_id:
        known["aws:principalorgid"] = caller.org_id
    return known


def _compare(operator: str, actual: str, expected: str) -> bool:
    if operator in ("StringEquals", "ArnEquals"):
        return actual == expected
    if operator in ("StringEqualsIgnoreCase", "Bool"):
        return actual.lower() == expected.lower()
    # StringLike and ArnLike: * and ? are wildcards (fnmatch's [...] never appears in ARNs).
    return fnmatch.fnmatchcase(actual, expected)


_POSITIVE = {"StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike", "Bool"}
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}


def _condition(operator: str, key: str, expected: object, context: Mapping[str, str | None]) -> Tri:
    """One key of one condition operator: True, False, or None when it cannot be told."""
    if operator.startswith(("ForAnyValue:", "ForAllValues:")):
        return None  # set operators over multi-valued keys: none of the keys known here
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    if key.lower() not in context:
        return None
    actual = context[key.lower()]
    values = [str(value) for value in _listed(expected)]
    if base == "Null":
        wanted_absent = any(value.lower() == "true" for value in values)
        return (actual is None) == wanted_absent
    if actual is None:
        return if_exists or base in _NEGATED
    if base in _POSITIVE:
        return any(_compare(base, actual, value) for value in values)
    if base in _NEGATED:
        return not any(_compare(_NEGATED[base], actual, value) for value in values)
    return None  # numeric, date, IP address operators


def _conditions(statement: Mapping[str, Any], caller: Caller) -> tuple[Tri, list[str]]:
    """All of a statement's conditions (they must all hold), and a reason for each that fails
    or cannot be told."""
    block = statement.get("Condition")
    if not isinstance(block, Mapping):
        return True, []
    context = _context(caller)
    result: Tri = True
    notes: list[str] = []
    for operator, keys in block.items():
        if not isinstance(keys, Mapping):
            return None, [f"a malformed condition {operator!r}"]
        for key, expected in keys.items():
            held = _condition(str(operator), str(key), expected, context)
            if held is True:
                continue
            notes.append(_condition_reason(str(operator), str(key), held, caller))
            if held is False:
                result = False
            elif result is True:
                result = None
    return result, notes


def _condition_reason(operator: str, key: str, held: Tri, caller: Caller) -> str:
    lowered = key.lower()
    if held is False and lowered == "sts:externalid":
        return "it requires an external ID (sts:ExternalId), which a discovered profile does not set"
    if held is False and lowered == "aws:multifactorauthpresent":
        return "it requires MFA and the source profile has no mfa_serial"
    if held is False:
        return f"its condition {operator} on {key} does not hold for {caller.arn}"
    return f"its condition {operator} on {key} can only be tested by trying (--verify)"


# --------------------------------------------------------------------------- judging


def _trusted(statements: Iterable[Mapping[str, Any]]) -> list[str]:
    """Who the policy's Allow statements name, for a person: ARNs, services, providers."""
    names: list[str] = []
    for statement in statements:
        if statement.get("Effect") == "Allow" and _action_applies(statement):
            for kind, value in _principals(statement.get("Principal")):
                shown = value if kind == "AWS" else f"{value} ({kind.lower()})"
                if shown not in names:
                    names.append(shown)
    return names


def judge(document: object, caller: Caller) -> Judgement:
    """May ``caller`` assume the role whose trust policy is ``document``, as far as it can be told?"""
    policy = parse_policy(document)
    if policy is None:
        return Judgement(Verdict.UNKNOWN, "its trust policy cannot be read")
    statements = [s for s in _listed(policy.get("Statement")) if isinstance(s, Mapping)]
    applying = [s for s in statements if _action_applies(s) and _principal_applies(s, caller)]
    deny_unknown: list[str] = []
    for statement in (s for s in applying if s.get("Effect") == "Deny"):
        held, notes = _conditions(statement, caller)
        if held is True:
            return Judgement(Verdict.DENIED, f"an explicit Deny in its trust policy applies to {caller.arn}")
        if held is None:
            deny_unknown += notes
    allow_unknown: list[str] = []
    failed: list[str] = []
    for statement in (s for s in applying if s.get("Effect") == "Allow"):
        held, notes = _conditions(statement, caller)
        if held is True:
            if deny_unknown:
                return Judgement(Verdict.UNKNOWN, f"a Deny may apply: {deny_unknown[0]}")
            return Judgement(Verdict.ALLOWED, f"its trust policy allows {_who(statement, caller)}")
        if held is None:
            allow_unknown += [note for note in notes if "by trying" in note]
        else:
            failed += [note for note in notes if "by trying" not in note]
    if allow_unknown:
        return Judgement(Verdict.UNKNOWN, allow_unknown[0])
    if failed:
        return Judgement(Verdict.DENIED, failed[0])
    trusted = _trusted(statements)
    if not trusted:
        return Judgement(Verdict.DENIED, "its trust policy allows nobody to assume it")
    shown = ", ".join(trusted[:3]) + (f" and {len(trusted) - 3} more" if len(trusted) > 3 else "")
    return Judgement(Verdict.DENIED, f"its trust policy allows {shown}, not {caller.arn}")


def _who(statement: Mapping[str, Any], caller: Caller) -> str:
    for kind, value in _principals(statement.get("Principal")):
        if kind == "AWS" and _names_caller(value, caller):
            if value == "*":
                return "any principal" + (" under conditions it meets" if "Condition" in statement else "")
            if value in (caller.account, f"arn:{caller.partition}:iam::{caller.account}:root"):
                return f"account {caller.account} (its IAM policies decide)"
            return value
    return f"{caller.arn} (NotPrincipal)"
