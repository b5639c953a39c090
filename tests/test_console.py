"""`profiles console` in-process: moto for STS, a local federation endpoint, the URL it builds."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from moto import mock_aws

from awsprofiles.aws import console
from awsprofiles.cli import main
from awsprofiles.errors import BadInput
from tests.conftest import Home
from tests.federation import FederationEndpoint

ROLE = "arn:aws:iam::123456789012:role/deploy"
BOB_SECRET = "bobs-secret-access-key-0123456789abcdef"


def write_profiles(home: Home, key_id: str = "AKIAIOSFODNN7EXAMPLE") -> None:
    home.config.parent.mkdir(parents=True, exist_ok=True)
    home.config.write_text(
        "[profile Bob]\nregion = eu-west-1\n"
        f"[profile deploy]\nrole_arn = {ROLE}\nsource_profile = Bob\n"
        "[profile gov]\nrole_arn = arn:aws-us-gov:iam::123456789012:role/deploy\nsource_profile = Bob\n"
    )
    home.credentials.write_text(
        f"[Bob]\naws_access_key_id = {key_id}\naws_secret_access_key = {BOB_SECRET}\n"
    )


@pytest.fixture
def aws(home: Home, monkeypatch: pytest.MonkeyPatch) -> Iterator[FederationEndpoint]:
    with mock_aws(), FederationEndpoint().serving() as endpoint:
        monkeypatch.setenv(console.ENDPOINT_VARIABLE, endpoint.url)
        # In-process runs mark the profile being resolved (the credential_process loop guard).
        monkeypatch.setenv("PROFILES_RESOLVING", "[]")
        iam = boto3.client("iam", region_name="us-east-1")
        iam.create_user(UserName="Bob")
        write_profiles(home, iam.create_access_key(UserName="Bob")["AccessKey"]["AccessKeyId"])
        yield endpoint


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["console", *args])
    out, err = capsys.readouterr()
    return code, out, err


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def test_keys_profile_signs_in_with_a_federation_token_not_its_own_keys(
    aws: FederationEndpoint, capsys: pytest.CaptureFixture[str], home: Home
) -> None:
    code, out, err = run(capsys, "Bob", "--print")
    assert (code, err) == (0, "")
    [issued] = aws.issued.values()
    assert issued.session["sessionToken"]
    assert issued.session["sessionId"] not in home.credentials.read_text()
    assert issued.session_duration is None  # a federation token's session lasts as long as the token
    assert query_of(out)["Destination"] == "https://console.aws.amazon.com/console/home?region=eu-west-1"


def test_role_in_gov_cloud_gets_the_gov_console(
    aws: FederationEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "gov", "--print", "--destination", "s3", "--region", "us-gov-west-1")
    assert code == 0, err
    assert query_of(out)["Destination"] == "https://console.amazonaws-us-gov.com/s3/home?region=us-gov-west-1"


def test_bad_input_exits_2_before_any_aws_call(
    home: Home, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_profiles(home)
    # Any AWS call would fail to connect (exit 1): exit 2 proves none was made.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    cases = [
        (["deploy", "--destination", "javascript:alert(1)"], "neither a console URL"),
        (["deploy", "--duration", "60"], "900"),
        (["Bob", "--mfa-code", "123456"], "--mfa-code applies to a profile that assumes a role"),
        (["nobody"], "no profile named 'nobody'"),
    ]
    for args, message in cases:
        code, out, err = run(capsys, *args)
        assert (code, out) == (2, ""), err
        assert message in err


def test_unreachable_endpoint_is_network_and_names_no_credential(
    aws: FederationEndpoint, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv(console.ENDPOINT_VARIABLE, f"http://127.0.0.1:{port}/federation")
    code, out, err = run(capsys, "deploy", "--print")
    assert (code, out) == (1, "")
    assert err.startswith(f"error: cannot reach AWS at http://127.0.0.1:{port}/federation:")
    assert err.rstrip().endswith("[network]")
    for leak in ("Session", "sessionKey", "sessionToken", BOB_SECRET, "%22"):
        assert leak not in err


def test_no_browser_is_an_error_that_suggests_print(
    aws: FederationEndpoint, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import webbrowser

    monkeypatch.setattr(webbrowser, "open", lambda url: False)
    code, out, err = run(capsys, "deploy")
    assert (code, out) == (1, ""), err
    assert "--print" in err
    assert "SigninToken" not in err


def test_help_says_the_url_is_a_credential(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["console", "--help"]) == 0
    assert "The sign-in URL is a credential" in " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize(
    ("arn", "region", "partition"),
    [
        ("arn:aws-cn:iam::123456789012:role/x", None, "aws-cn"),
        (None, "cn-north-1", "aws-cn"),
        (None, "us-gov-east-1", "aws-us-gov"),
        (None, None, "aws"),
    ],
)
def test_partition_comes_from_the_arn_else_the_region(
    arn: str | None, region: str | None, partition: str
) -> None:
    assert console.partition_of(arn, region) == partition


def test_destinations_and_federated_user_names() -> None:
    assert console.destination_url("ec2", "aws-cn", "cn-north-1") == (
        "https://console.amazonaws.cn/ec2/home?region=cn-north-1"
    )
    assert console.destination_url(None, "aws", None) == "https://console.aws.amazon.com/console/home"
    with pytest.raises(BadInput):
        console.destination_url("http://example.com", "aws", None)
    assert console.federation_name("arn:aws:iam::123456789012:user/dev/bob.o'neil") == "bob.o-neil"
    assert len(console.federation_name("arn:aws:iam::123456789012:user/" + "x" * 64)) == 32
