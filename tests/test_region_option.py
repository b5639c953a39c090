"""`--region` on env, exec and serve (console has its own): the region for this use, the files unchanged."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from awsprofiles import store
from awsprofiles.aws.role_cache import assume_role_arguments, cache_key
from tests.conftest import PROFILES, Home
from tests.test_startup import imported_by

FILES = {
    "config": "[profile k]\nregion = eu-west-1\n[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\n"
    "source_profile = k\nregion = eu-west-1\n",
    "credentials": "[k]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s3cr3t\n",
}


@pytest.fixture
def files(home: Home) -> Home:
    home.config.parent.mkdir(parents=True)
    home.config.write_text(FILES["config"])
    home.credentials.write_text(FILES["credentials"])
    # A valid session of role r in the AWS CLI's cache: env and exec serve it without botocore.
    profile = store.load(home.paths).profile("r")
    assert profile is not None
    arguments = assume_role_arguments(profile.values)
    assert arguments is not None
    cache = home.root / ".aws" / "cli" / "cache"
    cache.mkdir(parents=True)
    expires = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SUTC")
    entry = {"Credentials": {"AccessKeyId": "ASIACACHED", "SecretAccessKey": "s", "SessionToken": "t",
                             "Expiration": expires}}  # fmt: skip
    (cache / f"{cache_key(arguments)}.json").write_text(json.dumps(entry))
    return home


def _profiles(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PROFILES, *args], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("name", ["k", "r"])  # the full command, and the fast path of a cached role
def test_env_and_exec_use_the_region_given_and_leave_the_files(files: Home, name: str) -> None:
    before = files.config.read_bytes()
    env = _profiles("env", name, "--shell", "bash", "--region", "us-west-2")
    assert env.returncode == 0, env.stderr
    assert "export AWS_REGION='us-west-2'\n" in env.stdout
    assert "export AWS_DEFAULT_REGION='us-west-2'\n" in env.stdout
    ran = _profiles(
        "exec", name, "--region=ap-south-1", "--", "sh", "-c", 'echo "$AWS_REGION $AWS_DEFAULT_REGION"'
    )
    assert (ran.returncode, ran.stdout) == (0, "ap-south-1 ap-south-1\n"), ran.stderr
    assert files.config.read_bytes() == before


def test_a_cached_role_with_a_region_is_still_served_without_botocore(files: Home) -> None:
    modules = imported_by("env", "r", "--shell", "bash", "--region", "us-west-2")
    assert "awsprofiles.aws.role_cache" in modules
    assert "botocore" not in modules


@pytest.mark.parametrize("name", ["k", "r"])
def test_a_region_that_does_not_look_like_one_warns_and_a_line_break_is_refused(
    files: Home, name: str
) -> None:
    odd = _profiles("env", name, "--shell", "bash", "--region", "Frankfurt")
    assert odd.returncode == 0, odd.stderr
    assert "warning: 'Frankfurt' does not look like an AWS region name" in odd.stderr
    broken = _profiles("env", name, "--shell", "bash", "--region", "eu-west-1\nexport X=1")
    assert (broken.returncode, broken.stdout) == (2, "")


def test_unset_takes_no_region(files: Home) -> None:
    assert _profiles("env", "--unset", "--region", "us-west-2").returncode == 2


def test_exec_server_of_a_cached_role_starts_its_command_without_botocore_or_typer(files: Home) -> None:
    """The fast path: the cached session is served until it needs renewing; botocore loads then."""
    modules = imported_by("exec", "r", "--server", "--region", "us-west-2", "--", "true")
    assert "awsprofiles.endpoint" in modules
    assert not {name for name in modules if name.split(".")[0] in ("botocore", "typer", "http")}
    ran = subprocess.run(
        [*PROFILES, "exec", "r", "--server", "--", "python3", "-c",
         "import json, os, urllib.request\n"
         "request = urllib.request.Request(os.environ['AWS_CONTAINER_CREDENTIALS_FULL_URI'],\n"
         "    headers={'Authorization': os.environ['AWS_CONTAINER_AUTHORIZATION_TOKEN']})\n"
         "print(json.load(urllib.request.urlopen(request))['AccessKeyId'], os.environ['AWS_REGION'])"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert (ran.returncode, ran.stdout) == (0, "ASIACACHED eu-west-1\n"), ran.stderr


@pytest.mark.parametrize("server", [[], ["--server"]])
def test_a_command_of_exec_can_run_exec_of_the_same_profile_again(files: Home, server: list[str]) -> None:
    """No loop: the command is not resolving the profile (the fast path's exec --server included)."""
    ran = _profiles("exec", "r", *server, "--", *PROFILES, "exec", "r", "--", "sh", "-c", "echo nested")
    assert (ran.returncode, ran.stdout) == (0, "nested\n"), ran.stderr
