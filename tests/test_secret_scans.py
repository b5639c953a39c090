"""Secret scans: every command, run over files that hold every kind of secret, shows none of them.

The files hold each secret key (aws_secret_access_key, aws_session_token, aws_security_token), a
session token continued on a second line, commented-out secrets and secrets in the config file.
Every command's stdout, stderr and log records are searched for each secret; only ``env`` and
``credential-process`` may print the secrets of the one profile they were asked for, on stdout.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.request
from pathlib import Path

import pytest
from moto import mock_aws

from awsprofiles import shells
from awsprofiles.cli import root
from tests.conftest import Home
from tests.sso_emulator import SsoEmulator
from tests.store_helpers import run

SECRETS = {
    "keys": ["KeysSecretAccessKey0000000000000000000001"],
    "temp": [
        "TempSecretAccessKey0000000000000000000002",
        "SessionTokenFirstLine000003",
        "SessionTokenSecondLine00004",
    ],
    "legacy": ["LegacySecretAccessKey00000000000000000005", "SecurityTokenOfTheLegacyProfile00006"],
    "leaky": ["SecretKeptInTheConfigFile000000000000007", "SecurityTokenKeptInTheConfigFile00008"],
    "": [
        "CommentedOutSecretAccessKey0000000000009",  # in comments: no profile's own
        "CommentedOutSessionToken00000000000010",
        "CommentedOutInTheConfigFile00000000011",
        "NewSecretGivenOnStdin000000000000000012",
    ],
    "kept": ["KeptInTheKeyringFromTheStart00000000013"],
}
ALL_SECRETS = [secret for secrets in SECRETS.values() for secret in secrets]

CONFIG = f"""[default]
region = eu-west-1
# aws_secret_access_key = {SECRETS[""][2]}
[profile role]
role_arn = arn:aws:iam::123456789012:role/reader
source_profile = keys
[profile leaky]
aws_access_key_id = AKIAIOSFODNN7LEAKYID
aws_secret_access_key = {SECRETS["leaky"][0]}
aws_security_token = {SECRETS["leaky"][1]}
"""
CREDENTIALS = f"""# aws_secret_access_key = {SECRETS[""][0]}
[keys]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = {SECRETS["keys"][0]}
;aws_session_token = {SECRETS[""][1]}
[temp]
aws_access_key_id = ASIAIOSFODNN7EXAMPLE
aws_secret_access_key = {SECRETS["temp"][0]}
aws_session_token = {SECRETS["temp"][1]}
    {SECRETS["temp"][2]}
[legacy]
aws_access_key_id = AKIAI44QH8DHBEXAMPLE
aws_secret_access_key = {SECRETS["legacy"][0]}
aws_security_token = {SECRETS["legacy"][1]}
"""
ROLE_ARN = "arn:aws:iam::123456789012:role/reader"
NEW_KEY = ("add-user", "keys", "--access-key-id", "AKIAI44QH8DHBNEWKEY1", "--secret-stdin", "--force")
PROFILES = ["keys", "temp", "legacy", "leaky", "role", "default"]
SSO = ["--start-url", "https://example.awsapps.com/start", "--sso-region", "eu-west-1"]

#: command -> the runs that scan it: (argv, stdin, the profile whose secrets stdout may hold)
Run = tuple[list[str], str | None, str | None]
OFFLINE: dict[str, list[Run]] = {
    "list": [(["list"], None, None), (["list", "--json"], None, None), (["list", "--wide"], None, None)],
    "show": [(["show", name], None, None) for name in PROFILES]
    + [(["show", "--json", name], None, None) for name in ("temp", "legacy", "leaky")],
    "get": [
        (["get", name, key], None, None)
        for name in ("temp", "legacy", "leaky")
        for key in ("aws_secret_access_key", "aws_session_token", "aws_security_token")
    ]
    + [(["get", "keys", "aws_access_key_id"], None, None)],
    "set": [
        (["set", "legacy", "aws_security_token", SECRETS[""][3]], None, None),
        (["set", "temp", "aws_session_token", SECRETS[""][3]], None, None),
        (["set", "keys", "region", "eu-west-2"], None, None),
    ],
    "unset": [
        (["unset", "temp", "aws_session_token"], None, None),
        (["unset", "leaky", "aws_security_token"], None, None),
    ],
    "rename": [(["rename", "legacy", "legacy2"], None, None), (["rename", "keys", "keys2"], None, None)],
    "remove": [
        (["remove", "leaky"], None, None),
        (["remove", "keys"], None, None),
        (["remove", "keys", "--force"], None, None),
    ],
    "add-user": [
        ([*NEW_KEY, "--no-check"], SECRETS[""][3] + "\n", None),
        ([*NEW_KEY[:-1], "--no-check"], SECRETS[""][3] + "\n", None),
    ],
    "add-role": [(["add-role", "r2", "--source", "temp", "--role-arn", ROLE_ARN, "--no-check"], None, None)],
    "check": [(["check", "--offline"], None, None), (["check", "--offline", "--json"], None, None)],
    "env": [(["env", "temp", "--shell", shell], None, "temp") for shell in shells.SHELLS]
    + [(["env", name], None, name) for name in ("keys", "legacy", "leaky")]
    + [(["env", "--unset", "--shell", "bash"], None, None)],
    "credential-process": [
        (["credential-process", name], None, name) for name in ("keys", "temp", "legacy", "leaky")
    ],
    "exec": [
        (["exec", name, *server, "--", "/nonexistent/command"], None, None)
        for name in ("keys", "temp", "legacy")
        for server in ([], ["--server"])
    ],
    # Refused before any endpoint opens (one that serves runs until a signal: tests/e2e).
    "serve": [
        (["serve", "nope"], None, None),
        (["serve", "temp", "--shell", "json"], None, None),
        (["serve", "temp", "--port", "70000"], None, None),
    ],
    "prompt": [(["prompt"], None, None)],
    "onboard": [],  # below: it needs a manifest and a key file
    "add-sso": [
        (["add-sso", "sso", *SSO, "--account", "123456789012", "--role-name", "Admin"], None, None),
        (["add-sso", "--upgrade"], None, None),
    ],
    # The files hold no SSO profile: both refuse, without calling AWS.
    "login": [(["login"], None, None), (["login", "keys", "--no-browser"], None, None)],
    "logout": [(["logout"], None, None), (["logout", "temp"], None, None)],
    "rotate-keys": [(["rotate-keys", name, "--yes"], None, None) for name in ("temp", "legacy", "role")],
    # No [sso-session] in the files: refused without calling AWS.
    "discover": [(["discover", "--sso-session", "work"], None, None)],
    "completion": [(["completion", shell], None, None) for shell in ("bash", "zsh", "fish", "powershell")],
    # Refused before any AWS call.
    "console": [
        (["console", "keys", "--mfa-code", "123456"], None, None),
        (["console", "temp", "--destination", "javascript:x"], None, None),
    ],
}
#: Commands that call AWS: run against moto in-process.
LIVE: dict[str, list[Run]] = {
    "check": [(["check"], None, None)],
    "whoami": [
        (["whoami", "legacy"], None, None),
        (["whoami", "temp", "--json"], None, None),
        (["whoami", "role"], None, None),
    ],
    "add-user": [(list(NEW_KEY), SECRETS[""][3] + "\n", None)],
    "add-role": [(["add-role", "r3", "--source", "keys"], None, None)],
    "rotate-keys": [(["rotate-keys", "keys", "--yes"], None, None)],
    "discover": [
        (["discover", "--source", name, *how], None, None)
        for name in ("keys", "temp", "legacy")
        for how in ([], ["--json"], ["--apply", "--verify"])
    ],
    # GetFederationToken (keys), the file's session (temp), AssumeRole (role), then a sign-in
    # endpoint that cannot be reached: the error names none of the credentials it was sent.
    "console": [(["console", name, "--print"], None, None) for name in ("keys", "temp", "legacy", "role")],
}  # fmt: skip


@pytest.fixture
def files(home: Home) -> Home:
    home.config.parent.mkdir(parents=True)
    home.config.write_text(CONFIG)
    home.credentials.write_text(CREDENTIALS)
    home.credentials.chmod(0o600)
    return home


@pytest.fixture
def records(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Log records of every logger (botocore's included) that a default logging set-up would
    print: WARNING and above. (botocore's DEBUG log of a signed request holds its session token;
    nothing in profiles turns DEBUG logging on.)"""
    caplog.set_level(logging.WARNING)
    return caplog


def scan(
    runs: list[Run],
    home: Home,
    capsys: pytest.CaptureFixture[str],
    logs: pytest.LogCaptureFixture,
    from_the_start: bool = True,
) -> None:
    """Run each command and search what it printed and logged; with ``from_the_start``, each run
    starts from the same files, else each from where the one before left them."""
    before = (home.config.read_bytes(), home.credentials.read_bytes())
    for argv, stdin, allowed in runs:
        os.environ["PROFILES_RESOLVING"] = "[]"  # as in a new process (see the home fixture)
        result = run(capsys, *argv, stdin=stdin)
        assert "Traceback" not in result.err
        assert not result.err.startswith("error: unexpected"), (argv, result.err)
        own = SECRETS.get(allowed or "", []) if allowed else []
        if own and result.code == 0:  # the secrets did reach stdout: the scan of the others means something
            assert own[0] in result.out, argv
        for secret in ALL_SECRETS:
            where = f"{secret} in the output of profiles {' '.join(argv)}"
            assert secret not in result.err, where
            assert secret not in logs.text, where
            if secret not in own:
                assert secret not in result.out, where
        if from_the_start:
            home.config.write_bytes(before[0])
            home.credentials.write_bytes(before[1])


def test_every_command_is_scanned() -> None:
    commands = set(root().commands)
    assert commands == set(OFFLINE) | set(LIVE) | {"protect", "unprotect"}, (
        "add the new command to the secret scans"
    )


@pytest.mark.parametrize("command", sorted(OFFLINE))
def test_offline_commands_show_no_secret(
    command: str, files: Home, capsys: pytest.CaptureFixture[str], records: pytest.LogCaptureFixture
) -> None:
    scan(OFFLINE[command], files, capsys, records)


@pytest.mark.parametrize("command", sorted(LIVE))
def test_commands_that_call_aws_show_no_secret(
    command: str,
    files: Home,
    capsys: pytest.CaptureFixture[str],
    records: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SIGNIN", "http://127.0.0.1:9/federation")  # nothing listens
    with mock_aws():
        scan(LIVE[command], files, capsys, records)


def test_onboard_shows_no_secret(
    files: Home, tmp_path: Path, capsys: pytest.CaptureFixture[str], records: pytest.LogCaptureFixture
) -> None:
    manifest = tmp_path / "team.toml"
    manifest.write_text(
        '[source]\nprofile = "keys"\nregion = "eu-west-2"\n\n[[roles]]\nprofile = "leaky"\n'
        f'role_arn = "{ROLE_ARN}"\n\n[[roles]]\nprofile = "temp"\nrole_arn = "{ROLE_ARN}"\n'
    )
    key = tmp_path / "key.json"
    key.write_text(
        json.dumps({"AccessKey": {"AccessKeyId": "AKIAI44QH8DHBNEWKEY1", "SecretAccessKey": SECRETS[""][3]}})
    )
    with_key = ["onboard", str(manifest), "--from-json", str(key)]
    runs: list[Run] = [
        ([*with_key, "--dry-run"], None, None),
        ([*with_key, "--dry-run", "--json"], None, None),
        ([*with_key, "--no-check"], None, None),  # refused off a terminal: the diff goes to stderr
        ([*with_key, "--no-check", "--yes", "--json"], None, None),
        (["onboard", str(manifest), "--yes", "--no-check"], None, None),
    ]
    scan(runs, files, capsys, records)
    with mock_aws():
        scan([([*with_key, "--yes"], None, None)], files, capsys, records)


#: One after the other, each from where the one before left the files and the keyring.
KEYRING: list[Run] = [
    (["add-user", "kept", "--keyring", "--access-key-id", "AKIAI44QH8DHBKEPTKEY", "--secret-stdin",
      "--no-check"], SECRETS["kept"][0] + "\n", None),
    (["protect", "legacy", "keys", "--dry-run"], None, None),
    (["protect", "legacy", "temp"], None, None),  # refused: temp's token is on two lines
    (["protect", "--all", "--dry-run", "--json"], None, None),  # refused too
    (["protect", "legacy", "keys"], None, None),
    (["protect", "legacy", "--json"], None, None),  # already protected
    *[(["credential-process", name, "--from-keyring"], None, name) for name in ("kept", "legacy", "keys")],
    (["list"], None, None),
    (["list", "--json"], None, None),
    *[(["show", name], None, None) for name in ("kept", "legacy", "keys")],
    (["show", "--json", "legacy"], None, None),
    (["check", "--offline", "--json"], None, None),
    (["unprotect", "legacy", "keys", "--dry-run"], None, None),
    (["unprotect", "--all", "--dry-run", "--json"], None, None),
    (["unprotect", "legacy"], None, None),
    (["rename", "kept", "kept2"], None, None),
    (["remove", "kept2"], None, None),
    (["unprotect", "--all", "--json"], None, None),
]  # fmt: skip


def test_keyring_commands_show_no_secret(
    files: Home,
    capsys: pytest.CaptureFixture[str],
    records: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import keyring.core

    from tests.test_keyring import MemoryKeyring

    memory = MemoryKeyring()
    monkeypatch.setattr(keyring.core, "_keyring_backend", memory)
    scan(KEYRING, files, capsys, records, from_the_start=False)
    assert memory.items == {}  # every command above did its job: all keys are back in the files
    for name in ("keys", "temp", "legacy"):
        assert all(secret in files.credentials.read_text() for secret in SECRETS[name])


SSO_CONFIG = """[sso-session acme]
sso_start_url = https://acme.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access
[profile dev]
sso_session = acme
sso_account_id = 111111111111
sso_role_name = Developer
"""


def test_sso_commands_show_no_token_and_role_credentials_only_where_asked_for(
    files: Home,
    sso_emulator: SsoEmulator,
    capsys: pytest.CaptureFixture[str],
    records: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The SSO access and refresh tokens and the client secret (in ~/.aws/sso/cache) are shown
    nowhere; the role credentials they buy only on the stdout of env and credential-process."""
    files.config.write_text(CONFIG + SSO_CONFIG)
    sso_emulator.add_account("111111111111", "dev", "Developer")
    monkeypatch.setattr("webbrowser.open_new_tab", lambda url: urllib.request.urlopen(url, timeout=5).close())
    argvs = [
        ["login", "dev"],
        ["login", "--sso-session", "acme"],
        ["list"],
        ["list", "--json"],
        ["show", "dev"],
        ["show", "--json", "dev"],
        ["check", "--offline", "--json"],
        ["env", "dev"],
        ["env", "dev", "--shell", "powershell"],
        ["credential-process", "dev"],
        ["logout"],
    ]
    results = []
    for argv in argvs:
        os.environ["PROFILES_RESOLVING"] = "[]"
        results.append((argv, run(capsys, *argv)))
        if argv == ["credential-process", "dev"]:
            issued = json.loads(results[-1][1].out)
        if argv[0] == "login":
            cache = files.root / ".aws" / "sso" / "cache"
            tokens = {
                value
                for path in cache.glob("*.json")
                for key, value in json.loads(path.read_text()).items()
                if key in ("accessToken", "refreshToken", "clientSecret")
            }
    # (check fails for the other files' profiles: a secret in the config file, a two-line token)
    failed = [(argv, result.err) for argv, result in results if result.code and argv[0] != "check"]
    assert not failed
    assert len(tokens) == 3
    role_secrets = {issued["SecretAccessKey"], issued["SessionToken"]}
    env_out = next(result.out for argv, result in results if argv == ["env", "dev"])
    assert issued["SecretAccessKey"] in env_out  # the scan of the other outputs means something
    for argv, result in results:
        may_print_role = argv[0] in ("env", "credential-process")
        for secret in {*tokens, *role_secrets, *ALL_SECRETS}:
            assert secret not in result.err + records.text, argv
            assert secret not in result.out or (may_print_role and secret in role_secrets), argv
