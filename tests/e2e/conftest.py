"""A real moto_server on a free loopback port, set up as the seed article's administrator.

The article's admin part runs with IAM enforcement off; then enforcement is switched on
(``POST /moto-api/reset-auth`` with body ``0``), so from there on AWS's authorization rules
hold: unknown keys are rejected, Bob may describe EC2 but not RDS, and only principals named
in a role's trust policy may assume it.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests import secret_service
from tests.conftest import PROFILES, Home

REGION = "eu-west-1"
ADMIN = {"aws_access_key_id": "AKIAADMINADMINADMIN1", "aws_secret_access_key": "admin-secret"}
BOB_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["ec2:Describe*", "iam:ListRoles", "sts:AssumeRole"], "Resource": "*"}
    ],
}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _moto_server_command() -> list[str]:
    # moto_server itself, with AWS's managed policies built only in the partition tests use.
    return [sys.executable, str(Path(__file__).with_name("run_moto_server.py"))]


class MotoServer:
    """One moto_server process; ``url`` is its loopback endpoint."""

    def __init__(self, log: Path, managed_policies: bool = True) -> None:
        self.log = log
        # AWS managed policies cost seconds per account moto creates (Organizations accounts).
        self.managed_policies = managed_policies
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self) -> None:
        env = dict(os.environ)
        command = _moto_server_command()
        if not self.managed_policies:
            env["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "false"
            command = [sys.executable, "-m", "moto.server"]
        for _ in range(5):
            port = _free_port()
            with open(self.log, "ab") as log:
                self.process = subprocess.Popen(
                    [*command, "-H", "127.0.0.1", "-p", str(port)],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=env,
                )
            self.url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and self.process.poll() is None:
                with contextlib.suppress(OSError):
                    urllib.request.urlopen(f"{self.url}/moto-api/", timeout=1).close()
                    return
                time.sleep(0.1)
            self.stop()
        raise RuntimeError(f"moto_server did not start; see {self.log}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def post(self, path: str, body: str = "") -> None:
        request = urllib.request.Request(
            f"{self.url}{path}", data=body.encode(), method="POST", headers={"Content-Type": "text/plain"}
        )
        urllib.request.urlopen(request, timeout=10).close()

    def reset(self) -> None:
        self.enforce(False)
        self.post("/moto-api/reset")

    def enforce(self, on: bool) -> None:
        self.post("/moto-api/reset-auth", "0" if on else "inf")

    @contextlib.contextmanager
    def admin_mode(self) -> Iterator[None]:
        """Enforcement off for admin set-up in the middle of a test, then on again."""
        self.enforce(False)
        try:
            yield
        finally:
            self.enforce(True)

    def client(self, service: str, **credentials: str) -> Any:
        return boto3.client(service, region_name=REGION, endpoint_url=self.url, **(credentials or ADMIN))

    def requests_log(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    server = MotoServer(tmp_path_factory.mktemp("moto") / "moto_server.log")
    server.start()
    yield server
    server.stop()


@dataclass
class Article:
    """What the seed article's administrator made, and how to reach it."""

    server: MotoServer
    home: Home
    account: str
    bob_arn: str
    role_arn: str
    bob_key_id: str
    bob_secret: str = field(repr=False)
    env: dict[str, str] = field(default_factory=dict)

    def profiles(
        self, *args: str, input: str | None = None, **kwargs: Any
    ) -> subprocess.CompletedProcess[str]:
        """Run the real ``profiles`` command as a subprocess against the emulator."""
        return subprocess.run(
            [*PROFILES, *args],
            input=input,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=120,
            **kwargs,
        )

    def add_bob(self, *options: str) -> subprocess.CompletedProcess[str]:
        """``profiles add-user Bob`` with the article's key, its secret on stdin."""
        return self.profiles(
            "add-user",
            "Bob",
            "--access-key-id",
            self.bob_key_id,
            "--secret-stdin",
            *options,
            input=self.bob_secret + "\n",
        )

    def aws(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """Run the real AWS CLI (awscli from PyPI) against the emulator."""
        command = [sys.executable, "-m", "awscli", *args]
        return subprocess.run(command, capture_output=True, text=True, env=env or self.env, timeout=120)

    def create_role(self, name: str, trusted_arn: str, path: str = "/") -> str:
        """An extra role, made by the administrator with enforcement briefly off."""
        trust = {
            "Version": "2012-10-17",
            "Statement": {"Effect": "Allow", "Principal": {"AWS": trusted_arn}, "Action": "sts:AssumeRole"},
        }
        with self.server.admin_mode():
            iam = self.server.client("iam")
            arn = iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=json.dumps(trust))[
                "Role"
            ]["Arn"]
            iam.attach_role_policy(RoleName=name, PolicyArn="arn:aws:iam::aws:policy/AmazonRDSReadOnlyAccess")
        return str(arn)


def play_admin_part(server: MotoServer) -> dict[str, str]:
    """The article's administrator: Bob, his policy, example-role trusting Bob, Bob's key."""
    iam = server.client("iam")
    bob_arn = iam.create_user(UserName="Bob")["User"]["Arn"]
    policy_arn = iam.create_policy(PolicyName="example-policy", PolicyDocument=json.dumps(BOB_POLICY))[
        "Policy"
    ]["Arn"]
    iam.attach_user_policy(UserName="Bob", PolicyArn=policy_arn)
    trust = {
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Principal": {"AWS": bob_arn}, "Action": "sts:AssumeRole"},
    }
    role_arn = iam.create_role(RoleName="example-role", AssumeRolePolicyDocument=json.dumps(trust))["Role"][
        "Arn"
    ]
    iam.attach_role_policy(
        RoleName="example-role", PolicyArn="arn:aws:iam::aws:policy/AmazonRDSReadOnlyAccess"
    )
    key = iam.create_access_key(UserName="Bob")["AccessKey"]
    return {
        "bob_arn": bob_arn,
        "role_arn": role_arn,
        "bob_key_id": key["AccessKeyId"],
        "bob_secret": key["SecretAccessKey"],
        "account": bob_arn.split(":")[4],
    }


@pytest.fixture
def article(moto_server: MotoServer, home: Home) -> Iterator[Article]:
    """A fresh emulator state after the article's admin part, with IAM enforcement on."""
    moto_server.reset()
    made = play_admin_part(moto_server)
    moto_server.enforce(True)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AWS_")
        or key in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_EC2_METADATA_DISABLED")
    }
    env.update(
        {
            "HOME": str(home.root),
            "AWS_ENDPOINT_URL": moto_server.url,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": str(home.config),
            "AWS_SHARED_CREDENTIALS_FILE": str(home.credentials),
            "AWS_PAGER": "",
        }
    )
    yield Article(moto_server, home, env=env, **made)
    moto_server.enforce(False)


@pytest.fixture
def roles(article: Article) -> Article:
    """Bob's profile (with a region) and example-role, made with the real CLI as the README says."""
    added = article.profiles(
        "add-user",
        "Bob",
        "--no-check",
        "--access-key-id",
        article.bob_key_id,
        "--secret-stdin",
        "--region",
        "eu-west-1",
        input=article.bob_secret + "\n",
    )
    assert added.returncode == 0, added.stderr
    role = article.profiles(
        "add-role", "example-role", "--source", "Bob", "--role-arn", article.role_arn, "--no-check"
    )
    assert role.returncode == 0, role.stderr
    return article


@pytest.fixture(scope="session")
def secret_service_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One real Secret Service (gnome-keyring on a private D-Bus) for the whole test session."""
    if not secret_service.available():
        pytest.skip("gnome-keyring and dbus are not installed (scripts/test installs them)")
    with secret_service.running(tmp_path_factory.mktemp("secret-service")) as env:
        yield env


@pytest.fixture
def os_keyring(secret_service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """This test, and the commands it runs with ``os.environ``, use the real Secret Service."""
    import keyring.core
    from keyring.backends import SecretService

    for name, value in secret_service_env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(keyring.core, "_keyring_backend", SecretService.Keyring())
    return secret_service_env


@pytest.fixture
def keyring_article(article: Article, os_keyring: dict[str, str]) -> Article:
    """The seed article's account, with the real Secret Service and ``profiles`` on PATH."""
    article.env.update(os_keyring)
    article.env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + article.env.get("PATH", "")
    return article
