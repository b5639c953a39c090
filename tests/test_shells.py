"""Shell output: exact formats, values that try to escape their quotes, detection, --unset."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from awsprofiles import shells
from awsprofiles.aws.credentials import Credentials
from awsprofiles.errors import BadInput
from tests.conftest import PROFILES, Home

KEYS = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalr/K7+MDENG=", region="eu-west-1")
SESSION = Credentials(
    "ASIAIOSFODNN7EXAMPLE",
    "wJalr/K7+MDENG=",
    session_token="IQoJb3JpZ2luX2VjE+/=",
    expiration=datetime(2026, 11, 29, 14, 5, 9, tzinfo=UTC),
)

# Each of these must come out of its shell exactly as written, and run nothing.
NASTY = [
    "us-east-1$(touch pwned)",
    "us-east-1`touch pwned`",
    "us-east-1; touch pwned",
    "it's; touch pwned; echo '",
    "back\\slash\\' ; touch pwned #",
    '"double" $HOME ${HOME} %PATH% !x! ^& | < > * ~ {a,b} #',
    "multi\nline; touch pwned",
    "-n",
    "ünïcödé ’curly’",
    "",
]


def test_posix_exact_format() -> None:
    assignments = [("AWS_REGION", "it's here"), ("AWS_PROFILE", None)]
    assert shells.render("bash", assignments) == "export AWS_REGION='it'\\''s here'\nunset AWS_PROFILE\n"


def test_fish_exact_format() -> None:
    assignments = [("AWS_REGION", "a\\b 'c'"), ("AWS_PROFILE", None)]
    assert shells.render("fish", assignments) == "set -gx AWS_REGION 'a\\\\b \\'c\\''\nset -e AWS_PROFILE\n"


def test_powershell_exact_format_doubles_every_single_quote() -> None:
    assignments = [("AWS_REGION", "it's a ‘test’ $(x)"), ("AWS_PROFILE", None)]
    assert shells.render("powershell", assignments) == (
        "$Env:AWS_REGION = 'it''s a ‘‘test’’ $(x)'\n"
        "Remove-Item Env:AWS_PROFILE -ErrorAction SilentlyContinue\n"
    )


def test_cmd_exact_format_quotes_metacharacters() -> None:
    assignments = [("AWS_REGION", "a b & c ^ | < > ( ) 'q'"), ("AWS_PROFILE", None)]
    assert shells.render("cmd", assignments) == (
        'set "AWS_REGION=a b & c ^ | < > ( ) \'q\'"\nset "AWS_PROFILE="\n'
    )


@pytest.mark.parametrize("value", ["50%", "%PATH%", 'say "hi"', "x!y", "a\nb"])
def test_cmd_refuses_what_it_would_expand(value: str) -> None:
    with pytest.raises(BadInput, match="cmd"):
        shells.render("cmd", [("AWS_REGION", value)])


def test_cmd_refusal_never_shows_a_secret() -> None:
    with pytest.raises(BadInput) as refused:
        shells.render("cmd", [("AWS_SECRET_ACCESS_KEY", "abc%def")])
    assert "abc" not in refused.value.message


def test_dotenv_quotes_only_when_needed_and_reads_back() -> None:
    dotenv = pytest.importorskip("dotenv")
    import io

    assignments = [
        ("AWS_A", "eu-west-1"),
        ("AWS_B", "wJalr/K7+MDENG="),
        ("AWS_C", 'a "b" #x'),
        ("AWS_D", None),
    ]
    text = shells.render("dotenv", assignments)
    assert text.splitlines()[:2] == ["AWS_A=eu-west-1", "AWS_B=wJalr/K7+MDENG="]
    assert dict(dotenv.dotenv_values(stream=io.StringIO(text))) == {
        "AWS_A": "eu-west-1",
        "AWS_B": "wJalr/K7+MDENG=",
        "AWS_C": 'a "b" #x',
    }
    for unreadable in ("${HOME}", "a\\b", "it's"):
        with pytest.raises(BadInput, match="dotenv"):
            shells.render("dotenv", [("AWS_C", unreadable)])


def test_credential_process_json_has_token_and_expiration_only_when_temporary() -> None:
    assert json.loads(shells.credential_process_json(SESSION)) == {
        "Version": 1,
        "AccessKeyId": "ASIAIOSFODNN7EXAMPLE",
        "SecretAccessKey": "wJalr/K7+MDENG=",
        "SessionToken": "IQoJb3JpZ2luX2VjE+/=",
        "Expiration": "2026-11-29T14:05:09Z",
    }
    assert set(json.loads(shells.credential_process_json(KEYS))) == {
        "Version",
        "AccessKeyId",
        "SecretAccessKey",
    }


def test_temporary_credentials_set_token_and_expiration_and_clear_the_profile() -> None:
    assert dict(shells.credential_assignments(SESSION)) == {
        "AWS_ACCESS_KEY_ID": "ASIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalr/K7+MDENG=",
        "AWS_SESSION_TOKEN": "IQoJb3JpZ2luX2VjE+/=",
        "AWS_CREDENTIAL_EXPIRATION": "2026-11-29T14:05:09Z",
        "AWS_SECURITY_TOKEN": None,
        "AWS_PROFILE": None,
        "AWS_DEFAULT_PROFILE": None,
    }


def test_keys_clear_a_previous_session_token_and_set_the_region() -> None:
    assigned = dict(shells.credential_assignments(KEYS))
    assert assigned["AWS_SESSION_TOKEN"] is None
    assert assigned["AWS_CREDENTIAL_EXPIRATION"] is None
    assert assigned["AWS_REGION"] == assigned["AWS_DEFAULT_REGION"] == "eu-west-1"


def test_env_saves_what_it_replaces_once_and_unset_restores_it() -> None:
    before = {"AWS_PROFILE": "Bob", "AWS_DEFAULT_REGION": "us-west-2"}
    first = dict(shells.use_assignments(KEYS, "one", before))
    assert first["PROFILES_SAVED_AWS_PROFILE"] == "Bob"
    assert first["PROFILES_SAVED_AWS_DEFAULT_REGION"] == "us-west-2"
    shell = {name: value for name, value in first.items() if value is not None} | {
        key: value for key, value in before.items() if key not in first
    }
    second = dict(shells.use_assignments(KEYS, "two", shell))
    assert not any(name.startswith("PROFILES_SAVED_") for name in second)  # the originals stay saved
    restored = dict(shells.unset_assignments(shell))
    assert restored["AWS_PROFILE"] == "Bob"
    assert restored["AWS_DEFAULT_REGION"] == "us-west-2"
    assert restored["AWS_REGION"] is None  # set by env, not there before
    assert restored["AWS_ACCESS_KEY_ID"] is None
    assert restored["PROFILES_SAVED_AWS_PROFILE"] is None
    assert restored["PROFILES_ACTIVE"] is None


def test_unset_outside_env_leaves_the_region_alone() -> None:
    assigned = dict(shells.unset_assignments({"AWS_REGION": "eu-west-1"}))
    assert "AWS_REGION" not in assigned
    assert assigned["AWS_SESSION_TOKEN"] is None


@pytest.mark.parametrize(
    ("environ", "windows", "expected"),
    [
        ({"SHELL": "/bin/bash"}, False, "bash"),
        ({"SHELL": "/usr/bin/zsh"}, False, "zsh"),
        ({"SHELL": "/usr/local/bin/fish"}, False, "fish"),
        ({"SHELL": "/bin/dash"}, False, "sh"),
        ({"SHELL": "/bin/tcsh"}, False, "sh"),
        ({}, False, "sh"),
        ({"SHELL": "/bin/bash", "PSModulePath": "/opt/microsoft/powershell/7/Modules"}, False, "powershell"),
        (
            {
                "ComSpec": r"C:\Windows\system32\cmd.exe",
                "USERPROFILE": r"C:\Users\bob",
                "PSModulePath": r"C:\Users\bob\Documents\WindowsPowerShell\Modules;C:\Program Files\x",
            },
            True,
            "powershell",
        ),
        (
            {
                "ComSpec": r"C:\Windows\system32\cmd.exe",
                "USERPROFILE": r"C:\Users\bob",
                "PSModulePath": r"C:\Program Files\WindowsPowerShell\Modules",
            },
            True,
            "cmd",
        ),
        ({"SHELL": "/usr/bin/bash", "ComSpec": r"C:\Windows\system32\cmd.exe"}, True, "bash"),
    ],
)
def test_detect_shell(environ: dict[str, str], windows: bool, expected: str) -> None:
    assert shells.detect_shell(environ, windows=windows) == expected


# --------------------------------------------------------------------------- real shells

READ_BACK = {
    # Print each variable NUL-terminated, so that every byte of the value is compared.
    "bash": ('eval "$(cat script)"', "printf '%s\\0' \"${V}\""),
    "zsh": ('eval "$(cat script)"', "printf '%s\\0' \"${V}\""),
    "sh": ('eval "$(cat script)"', "printf '%s\\0' \"${V}\""),
    "fish": ("source script", "printf '%s\\0' \"$V\""),
}


@pytest.mark.parametrize("shell", sorted(READ_BACK))
def test_every_value_reaches_the_shell_literally(shell: str, tmp_path: Path) -> None:
    binary = shutil.which(shell)
    if binary is None:
        pytest.skip(f"{shell} is not installed")
    names = [f"V{index}" for index in range(len(NASTY))]
    (tmp_path / "script").write_text(shells.render(shell, list(zip(names, NASTY, strict=True))))
    apply, show = READ_BACK[shell]
    lines = [apply, *(show.replace("V", name) for name in names)]
    ran = subprocess.run([binary, "-c", "\n".join(lines)], capture_output=True, cwd=tmp_path, timeout=60)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.decode().split("\0")[:-1] == NASTY
    assert not (tmp_path / "pwned").exists()


INJECTING_REGIONS = [
    "us-east-1$(touch pwned)",
    "us-east-1`touch pwned`",
    "us-east-1;touch pwned",
    "us-east-1'; touch pwned; echo '",
]


def _add_profiles_with_regions(tmp_path: Path) -> None:
    for index, region in enumerate(INJECTING_REGIONS):
        ran = subprocess.run(
            [
                *PROFILES,
                "add-user",
                "--no-check",
                f"r{index}",
                "--access-key-id",
                KEYS.access_key_id,
                "--secret-stdin",
                "--region",
                region,
            ],
            input="wJalr/K7+MDENG=\n",
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert ran.returncode == 0, ran.stderr


@pytest.mark.parametrize(
    ("shell", "apply"),
    [
        ("bash", 'eval "$({profiles} env {name} --shell bash)"; printf "%s\\0" "$AWS_REGION"'),
        ("fish", '{profiles} env {name} --shell fish | source; printf "%s\\0" "$AWS_REGION"'),
    ],
)
def test_region_from_the_file_cannot_run_anything(home: Home, tmp_path: Path, shell: str, apply: str) -> None:
    binary = shutil.which(shell)
    if binary is None:
        pytest.skip(f"{shell} is not installed")
    _add_profiles_with_regions(tmp_path)
    profiles = shlex.join(PROFILES)
    script = "\n".join(
        apply.format(profiles=profiles, name=f"r{index}") for index in range(len(INJECTING_REGIONS))
    )
    ran = subprocess.run([binary, "-c", script], capture_output=True, cwd=tmp_path, timeout=120)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.decode().split("\0")[:-1] == INJECTING_REGIONS
    assert not (tmp_path / "pwned").exists()


# --------------------------------------------------------------------------- the command


def _profiles(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*PROFILES, *args], capture_output=True, timeout=60, env=env)


def test_env_output_is_lf_only_and_secrets_only_on_stdout(home: Home) -> None:
    home.credentials.parent.mkdir(parents=True)
    home.credentials.write_text(
        "[k]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s3cr3t\n"
    )
    for shell in shells.SHELLS:
        ran = _profiles("env", "k", "--shell", shell)
        assert ran.returncode == 0, ran.stderr
        assert b"\r" not in ran.stdout
        assert b"s3cr3t" in ran.stdout
        assert b"s3cr3t" not in ran.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("env", "k", "--shell", "tcsh"),
        ("env",),
        ("env", "k", "--unset"),
        ("env", "--unset", "--shell", "json"),
        ("env", "--unset", "--shell", "dotenv"),
        ("env", "nope", "--shell", "bash"),
        ("env", "k", "--shell", "bash", "--duration", "60"),
        ("env", "k", "--shell", "bash", "--duration", "3600"),
        ("env", "k", "--shell", "bash", "--mfa-code", "123456"),
    ],
)
def test_env_bad_input_exits_2_and_prints_nothing(home: Home, args: tuple[str, ...]) -> None:
    home.credentials.parent.mkdir(parents=True)
    home.credentials.write_text(
        "[k]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s3cr3t\n"
    )
    ran = _profiles(*args)
    assert ran.returncode == 2, ran.stderr
    assert ran.stdout == b""
    assert ran.stderr.startswith(b"error: ")


def test_env_for_cmd_refuses_a_region_with_percent(home: Home) -> None:
    home.config.parent.mkdir(parents=True)
    home.config.write_text("[profile k]\nregion = 100%\n")
    home.credentials.write_text(
        "[k]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s3cr3t\n"
    )
    ran = _profiles("env", "k", "--shell", "cmd")
    assert ran.returncode == 2
    assert ran.stdout == b""


def test_env_unset_starts_without_botocore(home: Home) -> None:
    ran = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "awsprofiles", "env", "--unset", "--shell", "bash"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 0, ran.stderr
    assert "unset AWS_SESSION_TOKEN" in ran.stdout
    imported = [line.rsplit("|", 1)[-1].strip() for line in ran.stderr.splitlines() if "|" in line]
    assert "awsprofiles.shells" in imported
    assert not [name for name in imported if name.startswith(("botocore", "boto3"))]


def test_apply_lines_are_the_ones_the_docs_give() -> None:
    # Markdown tables escape the pipe with a backslash.
    guide = Path(__file__).parents[1] / "docs" / "guides" / "using.md"
    readme = guide.read_text().replace("\\|", "|")
    for shell in ("bash", "fish", "powershell", "cmd"):
        command = "profiles env example-role" + ("" if shell == "bash" else f" --shell {shell}")
        line = shells.apply_line(shell, command)
        assert f"`{line}`" in readme, line
