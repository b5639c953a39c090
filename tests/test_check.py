"""profiles check: each error code, proved against moto in-process or a crafted endpoint."""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import boto3
import pytest
from moto import mock_aws
from moto.core import set_initial_no_auth_action_count

from awsprofiles.aws import identity
from awsprofiles.check import CheckResult, check_profiles
from awsprofiles.errors import BadInput
from tests.conftest import Home

T = TypeVar("T")
ACCOUNT = "123456789012"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def write(home: Home, config: str = "", credentials: str = "") -> None:
    home.config.parent.mkdir(parents=True, exist_ok=True)
    home.config.write_text(config)
    home.credentials.write_text(credentials)
    os.chmod(home.credentials, 0o600)


def enforced(call: Callable[[], T]) -> T:
    """Run ``call`` with moto's IAM authorization on (in-process mock_aws leaves it off)."""
    return set_initial_no_auth_action_count(0)(call)()


def by_name(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {result.profile: result for result in results}


@pytest.fixture
def aws() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("iam", region_name="us-east-1")


def make_user(iam: Any, name: str, actions: tuple[str, ...] = ("sts:AssumeRole",)) -> dict[str, str]:
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
    }
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"arn": arn, "id": key["AccessKeyId"], "secret": key["SecretAccessKey"]}


def make_role(iam: Any, name: str, trusted: str) -> str:
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": trusted}, "Action": "sts:AssumeRole"}],
    }
    return str(iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"])


def keys(name: str, key_id: str, secret: str, extra: str = "") -> str:
    return f"[{name}]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n{extra}"


# --------------------------------------------------------------------------- live, moto


def test_keys_profile_is_identified_as_its_iam_user(home: Home, aws: Any) -> None:
    bob = make_user(aws, "Bob")
    write(home, credentials=keys("bob", bob["id"], bob["secret"]))
    [result] = enforced(lambda: check_profiles(home.paths))
    assert result.ok, result.message
    assert (result.kind, result.arn, result.account, result.error) == ("keys", bob["arn"], ACCOUNT, None)
    assert result.to_json()["arn"] == bob["arn"]
    assert set(result.to_json()) == {
        "profile",
        "kind",
        "ok",
        "account",
        "arn",
        "error",
        "message",
        "elapsed_ms",
    }


def test_unknown_access_key_is_invalid_key(home: Home, aws: Any) -> None:
    write(home, credentials=keys("ghost", "AKIAMADEUPMADEUP1234", SECRET))
    [result] = enforced(lambda: check_profiles(home.paths))
    assert (result.ok, result.error) == (False, "invalid-key")
    assert SECRET not in result.message


def test_wrong_secret_is_bad_secret(home: Home, aws: Any) -> None:
    bob = make_user(aws, "Bob")
    write(home, credentials=keys("bob", bob["id"], SECRET))
    [result] = enforced(lambda: check_profiles(home.paths))
    assert (result.ok, result.error) == (False, "bad-secret")
    assert SECRET not in result.message
    assert bob["secret"] not in result.message


def test_role_whose_trust_policy_names_someone_else_is_assume_denied_naming_the_source(
    home: Home, aws: Any
) -> None:
    bob = make_user(aws, "Bob")
    role = make_role(aws, "not-for-bob", f"arn:aws:iam::{ACCOUNT}:user/Alice")
    write(
        home,
        config=f"[profile ops]\nrole_arn = {role}\nsource_profile = bob\n",
        credentials=keys("bob", bob["id"], bob["secret"]),
    )
    results = by_name(enforced(lambda: check_profiles(home.paths)))
    assert results["bob"].ok
    denied = results["ops"]
    assert (denied.ok, denied.error, denied.kind) == (False, "assume-denied", "role")
    assert bob["arn"] in denied.message
    assert role in denied.message
    assert "trust policy" in denied.message
    assert "sts:AssumeRole" in denied.message


def test_role_chain_of_two_roles_over_keys_resolves_to_the_last_role(home: Home, aws: Any) -> None:
    bob = make_user(aws, "Bob")
    first = make_role(aws, "first", bob["arn"])
    second = make_role(aws, "second", f"arn:aws:iam::{ACCOUNT}:role/first")
    write(
        home,
        config=(
            f"[profile first]\nrole_arn = {first}\nsource_profile = bob\n"
            f"[profile second]\nrole_arn = {second}\nsource_profile = first\nrole_session_name = chained\n"
        ),
        credentials=keys("bob", bob["id"], bob["secret"]),
    )
    results = by_name(check_profiles(home.paths, ["second", "first"]))
    assert [r.ok for r in results.values()] == [True, True], [r.message for r in results.values()]
    assert results["second"].arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/second/chained"
    assert str(results["first"].arn).startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/first/")


def test_profiles_sharing_a_role_source_assume_that_source_once_for_all(
    home: Home, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    bob = make_user(aws, "Bob")
    hub = make_role(aws, "hub", bob["arn"])
    config = f"[profile hub]\nrole_arn = {hub}\nsource_profile = bob\n"
    for n in range(6):
        arn = make_role(aws, f"leaf{n}", f"arn:aws:iam::{ACCOUNT}:role/hub")
        config += f"[profile leaf{n}]\nrole_arn = {arn}\nsource_profile = hub\n"
    write(home, config=config, credentials=keys("bob", bob["id"], bob["secret"]))
    assumed: list[str] = []
    original = identity.Resolver.session

    def counting_session(self: identity.Resolver, *args: Any, **kwargs: Any) -> Any:
        session = original(self, *args, **kwargs)
        session.register(
            "before-call.sts.AssumeRole", lambda params, **_: assumed.append(params["body"]["RoleArn"])
        )
        return session

    monkeypatch.setattr(identity.Resolver, "session", counting_session)
    results = check_profiles(home.paths, jobs=4)
    assert all(result.ok for result in results), [r.message for r in results]
    # once for the hub profile itself, once for the chain the six leaves share (not six times)
    assert assumed.count(hub) == 2
    assert len([arn for arn in assumed if arn != hub]) == 6


def test_role_with_mfa_serial_is_mfa_required_without_prompting(home: Home, aws: Any) -> None:
    bob = make_user(aws, "Bob")
    role = make_role(aws, "guarded", bob["arn"])
    write(
        home,
        config=(
            f"[profile guarded]\nrole_arn = {role}\nsource_profile = bob\n"
            f"mfa_serial = arn:aws:iam::{ACCOUNT}:mfa/bob\n"
        ),
        credentials=keys("bob", bob["id"], bob["secret"]),
    )
    [result] = check_profiles(home.paths, ["guarded"])
    assert (result.ok, result.error) == (False, "mfa-required")
    assert "MFA" in result.message


def test_sso_profile_without_a_login_is_sso_login(home: Home, aws: Any) -> None:
    write(
        home,
        config=(
            "[profile dev]\nsso_start_url = https://example.awsapps.com/start\nsso_region = eu-west-1\n"
            f"sso_account_id = {ACCOUNT}\nsso_role_name = Dev\n"
        ),
    )
    [result] = check_profiles(home.paths)
    assert (result.ok, result.error) == (False, "sso-login")
    assert "run 'profiles login dev'" in result.message
    assert "aws sso login" not in result.message  # no such command in the AWS CLI v1


def test_profile_without_credentials_is_no_credentials(home: Home, aws: Any) -> None:
    write(home, config="[profile bare]\nregion = eu-west-1\n")
    [result] = check_profiles(home.paths)
    assert (result.ok, result.error, result.kind) == (False, "no-credentials", "other")


def test_failing_credential_process_is_process_failed(home: Home, aws: Any) -> None:
    write(home, config="[profile proc]\ncredential_process = false\n")
    [result] = check_profiles(home.paths)
    assert (result.ok, result.error, result.kind) == (False, "process-failed", "process")


def test_credential_process_profile_is_identified(home: Home, aws: Any, tmp_path: Any) -> None:
    bob = make_user(aws, "Bob")
    script = tmp_path / "creds.json"
    script.write_text(json.dumps({"Version": 1, "AccessKeyId": bob["id"], "SecretAccessKey": bob["secret"]}))
    write(home, config=f"[profile proc]\ncredential_process = cat {script}\n")
    [result] = enforced(lambda: check_profiles(home.paths))
    assert (result.ok, result.arn) == (True, bob["arn"])


def test_unknown_name_is_bad_input(home: Home) -> None:
    write(home, credentials=keys("bob", "AKIAMADEUPMADEUP1234", SECRET))
    with pytest.raises(BadInput, match="nobody"):
        check_profiles(home.paths, ["nobody"])


# --------------------------------------------------------------------------- crafted endpoints


class _StsError(BaseHTTPRequestHandler):
    status = 403
    code = "ExpiredToken"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = (
            f'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
            f"<Code>{self.code}</Code><Message>nope</Message></Error><RequestId>1</RequestId></ErrorResponse>"
        ).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def _serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def expired_endpoint() -> Iterator[str]:
    yield from _serve(_StsError)


class _OptIn(_StsError):
    code = "OptInRequired"


@pytest.fixture
def opt_in_endpoint() -> Iterator[str]:
    yield from _serve(_OptIn)


def test_expired_session_token_is_expired(home: Home, expired_endpoint: str) -> None:
    write(
        home,
        config=f"[profile temp]\nendpoint_url = {expired_endpoint}\nregion = eu-west-1\n",
        credentials=keys("temp", "ASIAEXPIREDEXPIRED12", SECRET, "aws_session_token = old-token\n"),
    )
    [result] = check_profiles(home.paths)
    assert (result.ok, result.error) == (False, "expired")
    assert "old-token" not in result.message
    assert SECRET not in result.message


def test_other_aws_error_names_its_code(home: Home, opt_in_endpoint: str) -> None:
    write(
        home,
        config=f"[profile odd]\nendpoint_url = {opt_in_endpoint}\n",
        credentials=keys("odd", "AKIAEXAMPLEEXAMPLE12", SECRET),
    )
    [result] = check_profiles(home.paths)
    assert (result.ok, result.error) == (False, "other")
    assert "OptInRequired" in result.message


def test_endpoint_nobody_listens_on_is_network(home: Home) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    write(
        home,
        config=f"[profile offline]\nendpoint_url = http://127.0.0.1:{port}\n",
        credentials=keys("offline", "AKIAEXAMPLEEXAMPLE12", SECRET),
    )
    [result] = check_profiles(home.paths, timeout=2)
    assert (result.ok, result.error) == (False, "network")


def test_endpoint_that_never_answers_is_timeout(home: Home) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # accepts connections, never answers
        write(
            home,
            config=f"[profile slow]\nendpoint_url = http://127.0.0.1:{silent.getsockname()[1]}\n",
            credentials=keys("slow", "AKIAEXAMPLEEXAMPLE12", SECRET),
        )
        [result] = check_profiles(home.paths, timeout=0.3)
    assert (result.ok, result.error) == (False, "timeout")
    assert result.elapsed_ms < 3000


def test_aws_endpoint_url_environment_variable_is_honoured(
    home: Home, expired_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", expired_endpoint)
    write(home, credentials=keys("temp", "ASIAEXPIREDEXPIRED12", SECRET, "aws_session_token = t\n"))
    [result] = check_profiles(home.paths)
    assert result.error == "expired"


def test_invalid_setting_value_is_reported_not_raised(home: Home, aws: Any) -> None:
    write(
        home,
        config="[profile odd]\nsts_regional_endpoints = sideways\n",
        credentials=keys("odd", "AKIAEXAMPLEEXAMPLE12", SECRET),
    )
    [result] = check_profiles(home.paths)
    assert (result.ok, result.error) == (False, "other")
    assert "odd" in result.message
