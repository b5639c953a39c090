"""The SSO emulator speaks the AWS wire format: unmodified botocore clients use it as AWS."""

from __future__ import annotations

import urllib.request
from typing import Any

import botocore.session
import pytest
from botocore import UNSIGNED
from botocore.config import Config

from tests.sso_emulator import DEVICE_GRANT, SsoEmulator

START_URL = "https://acme.awsapps.com/start"


def client(service: str) -> Any:
    # The endpoint comes from AWS_ENDPOINT_URL_SSO(_OIDC), set by the fixture, as botocore reads it.
    session = botocore.session.Session()
    return session.create_client(service, region_name="eu-west-1", config=Config(signature_version=UNSIGNED))


def register(oidc: Any, scopes: list[str] | None = None) -> dict[str, Any]:
    extra = {"scopes": scopes} if scopes else {}
    return dict(oidc.register_client(clientName="botocore-client-acme", clientType="public", **extra))


def device_token(oidc: Any, registration: dict[str, Any], emulator: SsoEmulator) -> dict[str, Any]:
    authorization = oidc.start_device_authorization(
        clientId=registration["clientId"], clientSecret=registration["clientSecret"], startUrl=START_URL
    )
    with urllib.request.urlopen(authorization["verificationUriComplete"], timeout=5) as page:
        assert b"approved" in page.read()
    return dict(
        oidc.create_token(
            grantType=DEVICE_GRANT,
            clientId=registration["clientId"],
            clientSecret=registration["clientSecret"],
            deviceCode=authorization["deviceCode"],
        )
    )


def test_device_authorization_is_pending_until_approved_then_gives_a_token(sso_emulator: SsoEmulator) -> None:
    oidc = client("sso-oidc")
    registration = register(oidc, ["sso:account:access"])
    authorization = oidc.start_device_authorization(
        clientId=registration["clientId"], clientSecret=registration["clientSecret"], startUrl=START_URL
    )
    assert authorization["verificationUriComplete"].endswith(authorization["userCode"])
    assert authorization["interval"] == 1
    poll = {
        "grantType": DEVICE_GRANT,
        "clientId": registration["clientId"],
        "clientSecret": registration["clientSecret"],
        "deviceCode": authorization["deviceCode"],
    }
    with pytest.raises(oidc.exceptions.AuthorizationPendingException):
        oidc.create_token(**poll)
    sso_emulator.slow_down()
    sso_emulator.approve(authorization["userCode"])
    with pytest.raises(oidc.exceptions.SlowDownException):
        oidc.create_token(**poll)
    token = oidc.create_token(**poll)
    assert token["accessToken"].startswith("aoa")
    assert token["refreshToken"].startswith("aor")
    assert token["expiresIn"] == 3600
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        oidc.create_token(**poll)  # a device code is exchanged once


def test_denied_sign_in_and_wrong_secret_are_refused(sso_emulator: SsoEmulator) -> None:
    oidc = client("sso-oidc")
    registration = register(oidc)
    authorization = oidc.start_device_authorization(
        clientId=registration["clientId"], clientSecret=registration["clientSecret"], startUrl=START_URL
    )
    sso_emulator.deny()
    with pytest.raises(oidc.exceptions.AccessDeniedException):
        oidc.create_token(
            grantType=DEVICE_GRANT,
            clientId=registration["clientId"],
            clientSecret=registration["clientSecret"],
            deviceCode=authorization["deviceCode"],
        )
    with pytest.raises(oidc.exceptions.InvalidClientException):
        oidc.start_device_authorization(
            clientId=registration["clientId"], clientSecret="wrong", startUrl=START_URL
        )


def test_refresh_token_grant_replaces_the_refresh_token(sso_emulator: SsoEmulator) -> None:
    oidc = client("sso-oidc")
    registration = register(oidc, ["sso:account:access"])
    first = device_token(oidc, registration, sso_emulator)
    refresh = {
        "grantType": "refresh_token",
        "clientId": registration["clientId"],
        "clientSecret": registration["clientSecret"],
    }
    second = oidc.create_token(refreshToken=first["refreshToken"], **refresh)
    assert second["accessToken"] != first["accessToken"]
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        oidc.create_token(refreshToken=first["refreshToken"], **refresh)


def test_client_without_scopes_gets_no_refresh_token(sso_emulator: SsoEmulator) -> None:
    oidc = client("sso-oidc")
    assert "refreshToken" not in device_token(oidc, register(oidc), sso_emulator)


def test_portal_lists_every_page_and_gives_role_credentials(sso_emulator: SsoEmulator) -> None:
    for index in range(5):
        sso_emulator.add_account(f"{index:012d}", f"acct{index}", "ReadOnly", "Admin", "Dev")
    oidc = client("sso-oidc")
    token = device_token(oidc, register(oidc), sso_emulator)["accessToken"]
    portal = client("sso")
    pages = list(portal.get_paginator("list_accounts").paginate(accessToken=token))
    assert len(pages) == 3  # page_size 2
    assert [a["accountName"] for page in pages for a in page["accountList"]] == [f"acct{i}" for i in range(5)]
    roles = portal.get_paginator("list_account_roles").paginate(accessToken=token, accountId=f"{3:012d}")
    assert [r["roleName"] for page in roles for r in page["roleList"]] == ["ReadOnly", "Admin", "Dev"]
    credentials = portal.get_role_credentials(accessToken=token, accountId=f"{3:012d}", roleName="Dev")
    assert credentials["roleCredentials"]["accessKeyId"].startswith("ASIA")
    with pytest.raises(portal.exceptions.ClientError, match="ForbiddenException"):
        portal.get_role_credentials(accessToken=token, accountId=f"{3:012d}", roleName="Other")


def test_portal_refuses_an_expired_or_logged_out_token(sso_emulator: SsoEmulator) -> None:
    sso_emulator.add_account("111111111111", "one", "Dev")
    oidc = client("sso-oidc")
    registration = register(oidc)
    portal = client("sso")
    token = device_token(oidc, registration, sso_emulator)["accessToken"]
    portal.logout(accessToken=token)
    with pytest.raises(portal.exceptions.UnauthorizedException):
        portal.list_accounts(accessToken=token)
    token = device_token(oidc, registration, sso_emulator)["accessToken"]
    sso_emulator.expire_access_tokens()
    with pytest.raises(portal.exceptions.UnauthorizedException):
        portal.get_role_credentials(accessToken=token, accountId="111111111111", roleName="Dev")
    assert sso_emulator.operations().count("RegisterClient") == 1
