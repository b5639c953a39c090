"""Reading a trust policy offline: who may assume the role, and why the others may not."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import pytest

from awsprofiles.trust import Caller, Verdict, judge

BOB = "arn:aws:iam::123456789012:user/people/Bob"
CALLER = Caller(BOB, "AIDABOB")


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(principal: Any, condition: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **extra}
    if condition:
        statement["Condition"] = condition
    return statement


@pytest.mark.parametrize(
    "principal",
    [
        {"AWS": BOB},
        {"AWS": [BOB, "arn:aws:iam::123456789012:user/Alice"]},
        {"AWS": "arn:aws:iam::123456789012:root"},
        {"AWS": "123456789012"},
        {"AWS": "*"},
        "*",
    ],
)
def test_the_source_its_account_root_or_anyone_is_allowed(principal: Any) -> None:
    assert judge(policy(allow(principal)), CALLER).verdict is Verdict.ALLOWED


@pytest.mark.parametrize(
    ("principal", "reason"),
    [
        ({"AWS": "arn:aws:iam::123456789012:user/Alice"}, "allows arn:aws:iam::123456789012:user/Alice, not"),
        ({"Service": "ec2.amazonaws.com"}, "allows ec2.amazonaws.com (service), not " + BOB),
        ({"Federated": "cognito-identity.amazonaws.com"}, "cognito-identity.amazonaws.com (federated)"),
        ({"AWS": "arn:aws:iam::210987654321:root"}, "allows arn:aws:iam::210987654321:root, not"),
        ({"AWS": "AIDAJQABLZS4A3QDU576Q"}, "allows AIDAJQABLZS4A3QDU576Q"),  # a deleted principal
    ],
)
def test_other_principals_are_denied_with_whom_the_role_trusts(principal: Any, reason: str) -> None:
    judged = judge(policy(allow(principal)), CALLER)
    assert judged.verdict is Verdict.DENIED
    assert reason in judged.reason


def test_wildcard_principal_with_conditions_the_source_meets_is_allowed() -> None:
    meets = {"StringEquals": {"aws:PrincipalArn": BOB, "aws:PrincipalAccount": "123456789012"}}
    assert judge(policy(allow({"AWS": "*"}, meets)), CALLER).verdict is Verdict.ALLOWED
    like = {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:user/people/*"}}
    assert judge(policy(allow({"AWS": "*"}, like)), CALLER).verdict is Verdict.ALLOWED
    org = {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}
    assert judge(policy(allow("*", org)), Caller(BOB, org_id="o-abc123")).verdict is Verdict.ALLOWED


def test_wildcard_principal_with_conditions_the_source_fails_is_denied_naming_the_condition() -> None:
    other = {"StringEquals": {"aws:PrincipalArn": "arn:aws:iam::123456789012:user/Alice"}}
    judged = judge(policy(allow({"AWS": "*"}, other)), CALLER)
    assert judged.verdict is Verdict.DENIED
    assert "StringEquals on aws:PrincipalArn does not hold" in judged.reason


def test_an_external_id_or_mfa_the_profile_will_not_have_is_denied_and_mfa_it_has_is_allowed() -> None:
    external = allow({"AWS": BOB}, {"StringEquals": {"sts:ExternalId": "partner-7"}})
    assert "requires an external ID" in judge(policy(external), CALLER).reason
    mfa = allow({"AWS": BOB}, {"Bool": {"aws:MultiFactorAuthPresent": "true"}})
    assert "requires MFA" in judge(policy(mfa), CALLER).reason
    assert judge(policy(mfa), Caller(BOB, has_mfa=True)).verdict is Verdict.ALLOWED
    if_exists = allow({"AWS": BOB}, {"StringEqualsIfExists": {"sts:ExternalId": "x"}})
    assert judge(policy(if_exists), CALLER).verdict is Verdict.ALLOWED


def test_conditions_only_aws_knows_at_request_time_are_unknown_not_denied() -> None:
    for condition in (
        {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
        {"StringEquals": {"aws:PrincipalTag/team": "ops"}},
        {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},  # the organization is not known
        {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-a/*"}},
    ):
        judged = judge(policy(allow({"AWS": "*"}, condition)), CALLER)
        assert judged.verdict is Verdict.UNKNOWN, condition
        assert "--verify" in judged.reason


def test_an_explicit_deny_wins_over_an_allow() -> None:
    deny = {"Effect": "Deny", "Principal": {"AWS": BOB}, "Action": "sts:*"}
    judged = judge(policy(allow({"AWS": "123456789012"}), deny), CALLER)
    assert judged.verdict is Verdict.DENIED
    assert "explicit Deny" in judged.reason


def test_actions_are_matched_with_wildcards_and_not_action() -> None:
    assert judge(policy(allow({"AWS": BOB}, Action="sts:Assume*")), CALLER).verdict is Verdict.ALLOWED
    tag_only = allow({"AWS": BOB}, Action="sts:TagSession")
    assert judge(policy(tag_only), CALLER).verdict is Verdict.DENIED
    not_action = {"Effect": "Allow", "Principal": {"AWS": BOB}, "NotAction": "sts:TagSession"}
    assert judge(policy(not_action), CALLER).verdict is Verdict.ALLOWED


def test_an_assumed_role_source_matches_its_role_arn_whatever_its_path() -> None:
    caller = Caller("arn:aws:sts::123456789012:assumed-role/admin/Bob")
    trusted = policy(allow({"AWS": "arn:aws:iam::123456789012:role/ops/admin"}))
    assert judge(trusted, caller).verdict is Verdict.ALLOWED
    other = policy(allow({"AWS": "arn:aws:iam::123456789012:role/admin-2"}))
    assert judge(other, caller).verdict is Verdict.DENIED


def test_a_url_encoded_document_is_read_and_garbage_is_unknown() -> None:
    encoded = urllib.parse.quote(json.dumps(policy(allow({"AWS": BOB}))))
    assert judge(encoded, CALLER).verdict is Verdict.ALLOWED
    assert judge("not json", CALLER).verdict is Verdict.UNKNOWN
    assert judge(policy(), CALLER).reason == "its trust policy allows nobody to assume it"
