"""The team manifest: every malformed input is reported with its line, and nothing is written."""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from awsprofiles import manifest
from awsprofiles.cli import main
from tests.conftest import PROFILES, Home

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "team.toml"

GOOD_HEAD = """\
[source]
profile = "Bob"
region = "eu-west-1"
"""

MALFORMED = {
    "unknown key in a role": (
        GOOD_HEAD
        + """
[[roles]]
profile = "a"
role_arn = "arn:aws:iam::123456789012:role/a"
rgion = "eu-west-1"
""",
        8,
        "unknown key 'rgion'",
    ),
    "unknown key in source": ('[source]\nprofile = "Bob"\nmfa = "x"\n', 3, "unknown key 'mfa'"),
    "unknown table": (GOOD_HEAD + '\n[default]\nregion = "eu-west-1"\n', 5, "unknown table or key 'default'"),
    "missing role_arn and account": (
        GOOD_HEAD + '\n[[roles]]\nprofile = "a"\nregion = "eu-west-1"\n',
        6,
        "needs role_arn",
    ),
    "account without role name": (
        GOOD_HEAD + '\n[[roles]]\nprofile = "a"\naccount_id = "123456789012"\n',
        7,
        "account_id needs role_name",
    ),
    "bad ARN": (
        GOOD_HEAD + '\n[[roles]]\nprofile = "a"\nrole_arn = "arn:aws:iam::1234:role/a"\n',
        7,
        "is not a role ARN",
    ),
    "bad account id": (
        GOOD_HEAD + '\n[[roles]]\nprofile = "a"\naccount_id = "12345"\nrole_name = "a"\n',
        7,
        "not an AWS account ID",
    ),
    "duplicate profile names": (
        GOOD_HEAD
        + """
[[roles]]
profile = "a"
role_arn = "arn:aws:iam::123456789012:role/a"

[[roles]]
profile = "a"
role_arn = "arn:aws:iam::123456789012:role/b"
""",
        10,
        "profile 'a' appears twice (first on line 6)",
    ),
    "role named like the source": (
        GOOD_HEAD + '\n[[roles]]\nprofile = "Bob"\nrole_arn = "arn:aws:iam::123456789012:role/a"\n',
        6,
        "profile 'Bob' appears twice (first on line 2)",
    ),
    "chain to an unknown role": (
        GOOD_HEAD
        + """
[[roles]]
profile = "a"
role_arn = "arn:aws:iam::123456789012:role/a"
source = "nope"
""",
        8,
        "source 'nope' of profile 'a' is not a profile of this manifest",
    ),
    "a cycle": (
        GOOD_HEAD
        + """
[[roles]]
profile = "a"
role_arn = "arn:aws:iam::123456789012:role/a"
source = "b"

[[roles]]
profile = "b"
role_arn = "arn:aws:iam::123456789012:role/b"
source = "a"
""",
        8,
        "source chain forms a cycle: a -> b -> a",
    ),
    "duration out of range": (
        GOOD_HEAD + "\n[defaults]\nduration_seconds = 60\n",
        6,
        "duration 60 is out of range",
    ),
    "duration as a string": (
        GOOD_HEAD
        + '\n[[roles]]\nprofile = "a"\nrole_arn = "arn:aws:iam::123456789012:role/a"\n'
        + 'duration_seconds = "1h"\n',
        8,
        "duration_seconds must be a whole number",
    ),
    "invalid profile name": (
        GOOD_HEAD + '\n[[roles]]\nprofile = "a]b"\nrole_arn = "arn:aws:iam::123456789012:role/a"\n',
        6,
        "contains ']'",
    ),
    "not TOML": (GOOD_HEAD + "\n[[roles]\nprofile = 1\n", 5, "not valid TOML"),
    "no source": (
        '[[roles]]\nprofile = "a"\nrole_arn = "arn:aws:iam::123456789012:role/a"\n',
        1,
        "missing [source]",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_manifest_reports_its_line(case: str) -> None:
    text, line, message = MALFORMED[case]
    with pytest.raises(manifest.ManifestInvalid) as raised:
        manifest.parse(text, "team.toml")
    assert any(p.startswith(f"team.toml line {line}: ") and message in p for p in raised.value.problems), (
        raised.value.problems
    )


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_onboard_with_malformed_manifest_exits_2_and_writes_nothing(
    case: str, home: Home, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home.config.parent.mkdir(parents=True)
    home.config.write_text("# mine\n[profile keep]\nregion = eu-west-1\n")
    before = home.config.read_bytes()
    path = tmp_path / "team.toml"
    path.write_text(MALFORMED[case][0])
    code = main(["onboard", str(path), "--no-check", "--yes"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{path} line {MALFORMED[case][1]}: " in err
    assert err.strip().splitlines()[-1].startswith("error: ")
    assert "nothing was written" in err
    assert home.config.read_bytes() == before
    assert not home.credentials.exists()


def test_every_problem_is_reported_at_once() -> None:
    text = (
        MALFORMED["bad ARN"][0]
        + '\n[[roles]]\nprofile = "b"\nsource = "zz"\nrole_arn = "arn:aws:iam::123456789012:role/b"\n'
    )
    with pytest.raises(manifest.ManifestInvalid) as raised:
        manifest.parse(text, "t.toml")
    assert [p.split(":")[0] for p in raised.value.problems] == ["t.toml line 7", "t.toml line 11"]


def test_defaults_and_source_values_reach_each_role() -> None:
    parsed = manifest.parse(
        textwrap.dedent(
            """\
            [source]
            profile = "me"
            region = "eu-west-1"
            mfa_serial = "arn:aws:iam::123456789012:mfa/me"

            [defaults]
            duration_seconds = 3600
            role_session_name = "me-session"

            [[roles]]
            profile = "dev"
            account_id = "123456789012"
            role_name = "dev"
            external_id = "xyz-123"

            [[roles]]
            profile = "prod"
            role_arn = "arn:aws:iam::210987654321:role/ops/prod"
            source = "dev"
            region = "us-east-1"
            duration_seconds = 900
            """
        )
    )
    dev, prod = parsed.roles
    assert dict(dev.values) == {
        "role_arn": "arn:aws:iam::123456789012:role/dev",
        "source_profile": "me",
        "mfa_serial": "arn:aws:iam::123456789012:mfa/me",
        "external_id": "xyz-123",
        "region": "eu-west-1",
        "duration_seconds": "3600",
        "role_session_name": "me-session",
    }
    assert dict(prod.values) == {
        "role_arn": "arn:aws:iam::210987654321:role/ops/prod",
        "source_profile": "dev",
        "region": "us-east-1",
        "duration_seconds": "900",
        "role_session_name": "me-session",
    }
    assert parsed.profile_names() == ["me", "dev", "prod"]


def test_shipped_example_is_valid_and_chains_a_role() -> None:
    parsed = manifest.load(EXAMPLE)
    assert parsed.source.profile == "Bob"
    by_name = {role.profile: role.values for role in parsed.roles}
    assert by_name["example-role"]["role_arn"] == "arn:aws:iam::123456789012:role/example-role"
    assert any(values["source_profile"] in by_name for values in by_name.values())


# --------------------------------------------------------------------------- files that are no manifest

#: What a path a person names on the command line may be instead of a small text file.
HOSTILE = ("fifo", "dev-zero", "huge", "deep")


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))  # a read without end stops here


def hostile_input(path: Path, kind: str, deep: str) -> None:
    """Make ``path`` a FIFO, a link to /dev/zero, a 40 MiB file, or ``deep`` (nested too deep)."""
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "huge":
        path.write_text("# " + "x" * (40 << 20) + "\n")
    else:
        path.write_text(deep)


def run_bounded(*args: str) -> subprocess.CompletedProcess[str]:
    """``profiles ARGS`` in a subprocess that may neither hang nor take more than 2 GiB."""
    return subprocess.run([*PROFILES, *args], capture_output=True, text=True, timeout=30,
                          stdin=subprocess.DEVNULL, preexec_fn=_limit_memory)  # fmt: skip


@pytest.mark.parametrize("kind", HOSTILE)
def test_a_manifest_that_is_not_a_small_regular_file_is_refused_with_exit_2(
    kind: str, home: Home, tmp_path: Path
) -> None:
    home.config.parent.mkdir(parents=True)
    home.config.write_text("# mine\n[profile Bob]\nregion = eu-west-1\n")
    before = home.config.read_bytes()
    path = tmp_path / "m.toml"
    hostile_input(path, kind, "a = " + "[" * 100_000 + "]" * 100_000 + "\n")
    ran = run_bounded("onboard", str(path), "--no-check", "--yes")
    assert ran.returncode == 2, ran.stderr
    assert ran.stderr.count("error: ") == 1
    assert "unexpected" not in ran.stderr
    expected = {"fifo": "not a regular file", "dev-zero": "not a regular file", "huge": "larger than",
                "deep": "not valid TOML"}  # fmt: skip
    assert expected[kind] in ran.stderr
    assert home.config.read_bytes() == before
