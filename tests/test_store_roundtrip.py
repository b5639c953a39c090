"""Editing in place: parse -> write keeps every byte, and each edit changes only its own lines."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from awsprofiles import store
from awsprofiles.errors import Refused
from awsprofiles.model import profile_name_of_config_section
from tests.conftest import FIXTURES, Home, copy_fixture, corpus
from tests.store_helpers import botocore_profiles, changed_lines, run

CORPUS = corpus()
OLD_MTIME_NS = 1_000_000_000 * 1_000_000_000


def install(fixture: Path, home: Home) -> Path:
    """Copy a corpus file to the config or credentials path, by its suffix."""
    target = home.config if fixture.suffix == ".config" else home.credentials
    copy_fixture(fixture, target)
    os.utime(target, ns=(OLD_MTIME_NS, OLD_MTIME_NS))
    return target


def profile_cases() -> list[tuple[Path, str]]:
    cases = []
    for fixture in CORPUS:
        role: store.Role = "config" if fixture.suffix == ".config" else "credentials"
        ini = store.parse_file(role, fixture, fixture.read_bytes())
        cases += [(fixture, name) for name in ini.profile_sections]
    return cases


def case_id(case: tuple[Path, str]) -> str:
    return f"{case[0].name}:{case[1]}"


CASES = profile_cases()


def values_in(target: Path, home: Home, name: str) -> dict[str, object]:
    ini = store.read_file("config" if target == home.config else "credentials", target)
    return dict(ini.profiles[name])


def test_corpus_holds_the_messy_cases() -> None:
    names = {path.name for path in CORPUS}
    assert {
        "windows.config",
        "crlf.credentials",
        "comments-everywhere.config",
        "default-twice.config",
    } <= names


@pytest.mark.parametrize("fixture", CORPUS, ids=lambda path: path.name)
def test_transaction_without_edits_keeps_bytes_and_mtime(fixture: Path, home: Home) -> None:
    target = install(fixture, home)
    with store.transaction(home.paths):
        pass
    assert target.read_bytes() == fixture.read_bytes()
    assert target.stat().st_mtime_ns == OLD_MTIME_NS


@pytest.mark.parametrize("fixture", CORPUS, ids=lambda path: path.name)
def test_setting_every_key_to_its_current_value_keeps_bytes_and_mtime(fixture: Path, home: Home) -> None:
    target = install(fixture, home)
    snapshot = store.load(home.paths)
    with store.transaction(home.paths) as tx:
        for profile in snapshot.profiles():
            for key, value in profile.values.items():
                if isinstance(value, str) and profile.origins[key] == (
                    "config" if target == home.config else "credentials"
                ):
                    getattr(tx, target.name).set(profile.name, key, value)
    assert target.read_bytes() == fixture.read_bytes()
    assert target.stat().st_mtime_ns == OLD_MTIME_NS


ADDITIONS = [
    (fixture, new_name)
    for fixture in CORPUS
    for new_name in ("zz-added", "new team", "default")
    if (fixture, new_name) not in CASES
]


@pytest.mark.parametrize(("fixture", "new_name"), ADDITIONS, ids=lambda value: getattr(value, "name", value))
def test_adding_then_removing_a_profile_gives_back_the_same_bytes(
    fixture: Path, new_name: str, home: Home
) -> None:
    target = install(fixture, home)
    with store.transaction(home.paths) as tx:
        tx.set(new_name, "region", "eu-west-1")
        tx.set(new_name, "aws_access_key_id", "AKIAIOSFODNN7EXAMPLE")
        tx.set(new_name, "aws_secret_access_key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    assert target.read_bytes() != fixture.read_bytes()
    with store.transaction(home.paths) as tx:
        assert tx.remove(new_name)
    assert target.read_bytes() == fixture.read_bytes()


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_setting_an_existing_key_changes_only_its_line(case: tuple[Path, str], home: Home) -> None:
    fixture, name = case
    target = install(fixture, home)
    values = values_in(target, home, name)
    key = next((k for k, v in values.items() if isinstance(v, str) and v), None)
    if key is None:
        pytest.skip("no one-line value in this profile")
    old_value = values[key]
    assert isinstance(old_value, str)
    with store.transaction(home.paths) as tx:
        getattr(tx, target.name).set(name, key, "changed-value")
    removed, added = changed_lines(fixture.read_bytes(), target.read_bytes())
    assert removed.startswith("-")
    assert added.startswith("+")
    assert removed.lower().lstrip("-").startswith(key)
    # the key, separator and spacing as written; only the value differs
    assert added[1:] == removed[1:].replace(old_value, "changed-value")
    assert values_in(target, home, name) == {**values, key: "changed-value"}


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_setting_a_new_key_adds_one_line_in_the_profile(case: tuple[Path, str], home: Home) -> None:
    fixture, name = case
    target = install(fixture, home)
    values = values_in(target, home, name)
    raw = fixture.read_bytes()
    # new lines are CRLF in a CRLF file; in a file of mixed endings, LF
    eol = "\r\n" if b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"") else "\n"
    with store.transaction(home.paths) as tx:
        getattr(tx, target.name).set(name, "ca_bundle", "/etc/ssl/corp.pem")
    before, after = fixture.read_bytes(), target.read_bytes()
    if not before.endswith(b"\n"):
        # the file keeps having no final newline; compare as if both had one
        assert not after.endswith(b"\n")
        before, after = before + b"\n", after + b"\n"
    assert changed_lines(before, after) == [f"+ca_bundle = /etc/ssl/corp.pem{eol}"]
    assert values_in(target, home, name) == {**values, "ca_bundle": "/etc/ssl/corp.pem"}


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_unsetting_a_key_removes_only_its_lines(case: tuple[Path, str], home: Home) -> None:
    fixture, name = case
    target = install(fixture, home)
    values = values_in(target, home, name)
    if not values:
        pytest.skip("empty profile")
    key = next(iter(values))
    with store.transaction(home.paths) as tx:
        assert tx.unset(name, key)
    diff = changed_lines(fixture.read_bytes(), target.read_bytes())
    assert diff
    assert all(line.startswith("-") for line in diff)
    assert diff[0][1:].lower().startswith(key)
    expected = dict(values)
    del expected[key]
    assert values_in(target, home, name) == expected


# renaming a default that shadows another is refused: see test_renaming_default_with_an_ignored_twin...
RENAMES = [case for case in CASES if case != (FIXTURES / "default-twice.config", "default")]


@pytest.mark.parametrize("case", RENAMES, ids=case_id)
def test_renaming_changes_only_the_header_and_source_profile_lines(
    case: tuple[Path, str], home: Home
) -> None:
    fixture, name = case
    target = install(fixture, home)
    before = store.load(home.paths)
    referrers = before.referrers(name)
    with store.transaction(home.paths) as tx:
        tx.rename(name, "renamed-profile")
    diff = changed_lines(fixture.read_bytes(), target.read_bytes())
    headers = [line for line in diff if "[" in line]
    assert len(headers) == 2
    assert headers[1].startswith("+")
    assert "renamed-profile]" in headers[1]
    others = [line for line in diff if "[" not in line]
    assert len(others) == 2 * len(referrers)
    assert all("source_profile" in line for line in others)
    after = store.load(home.paths)
    assert name not in after.names()
    assert after.profile("renamed-profile").values == before.profile(name).values  # type: ignore[union-attr]
    for referrer in referrers:
        assert after.profile(referrer).get("source_profile") == "renamed-profile"  # type: ignore[union-attr]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_removing_a_profile_deletes_only_its_section(case: tuple[Path, str], home: Home) -> None:
    fixture, name = case
    target = install(fixture, home)
    before = store.load(home.paths)
    with store.transaction(home.paths) as tx:
        assert tx.remove(name)
    diff = changed_lines(fixture.read_bytes(), target.read_bytes())
    assert diff
    assert all(line.startswith("-") for line in diff)
    headers = [line[1:].strip() for line in diff if line.startswith("-[")]
    assert headers
    assert {
        profile_name_of_config_section(h[1:-1]) if target == home.config else h[1:-1] for h in headers
    } == {name}
    after = store.load(home.paths)
    assert name not in after.names()
    for other in before.names():
        if other != name:
            assert after.profile(other) == before.profile(other)


def test_removing_a_section_keeps_the_comment_above_the_next_one(home: Home) -> None:
    target = install(Path(__file__).parent / "fixtures" / "legacy.config", home)
    with store.transaction(home.paths) as tx:
        tx.remove("default")
    assert target.read_text().startswith("; old build box credentials, rotate yearly\n[profile build]\n")


def test_keys_match_case_insensitively_and_are_edited_in_place(home: Home) -> None:
    home.config.parent.mkdir()
    home.config.write_text("[default]\nREGION = us-east-1\nOutput: json\n")
    with store.transaction(home.paths) as tx:
        tx.set("default", "region", "eu-west-1")
        tx.set("default", "OUTPUT", "text")
    assert home.config.read_text() == "[default]\nREGION = eu-west-1\nOutput: text\n"


def test_crlf_file_gets_crlf_on_new_lines_too(home: Home) -> None:
    home.config.parent.mkdir()
    home.config.write_bytes(b"[default]\r\nregion = us-east-1\r\n")
    with store.transaction(home.paths) as tx:
        tx.set("default", "output", "json")
        tx.set("work", "region", "eu-west-1")
    assert home.config.read_bytes() == (
        b"[default]\r\nregion = us-east-1\r\noutput = json\r\n\r\n[profile work]\r\nregion = eu-west-1\r\n"
    )


MIXED = b"[a]\r\nregion = y\r\n[dev]\nregion = x\n# c"


@pytest.mark.parametrize(
    ("argv", "after"),
    [
        (["remove", "dev", "--force"], b"[a]\r\nregion = y"),
        (["set", "dev", "region", "eu-west-1"], b"[a]\r\nregion = y\r\n[dev]\nregion = eu-west-1\n# c"),
        (["set", "a", "region", "eu-west-1"], b"[a]\r\nregion = eu-west-1\r\n[dev]\nregion = x\n# c"),
        (
            ["add-user", "--no-check", "new", "--access-key-id", "AKIAIOSFODNN7EXAMPLE", "--secret-stdin"],
            MIXED + b"\n\n[new]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = secret",
        ),
        (["rename", "a", "b"], b"[b]\r\nregion = y\r\n[dev]\nregion = x\n# c"),
    ],
    ids=["remove", "set-lf", "set-crlf", "add", "rename"],
)
def test_a_file_with_mixed_line_endings_is_edited_keeping_each_lines_own(
    argv: list[str], after: bytes, home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    """botocore reads \\r\\n and \\n in one file alike; 'remove dev' was refused with exit 4 ('a
    carriage return without a line feed'), issue 17 item 8."""
    home.credentials.parent.mkdir(mode=0o700)
    home.credentials.write_bytes(MIXED)
    home.credentials.chmod(0o600)
    result = run(capsys, *argv, stdin="secret\n")
    assert result.code == 0, result.err
    assert home.credentials.read_bytes() == after


def test_a_file_of_carriage_returns_alone_is_edited_as_botocore_reads_it(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    """Old Mac line endings: botocore (universal newlines) reads each \\r as a line break."""
    home.config.parent.mkdir(mode=0o700)
    home.config.write_bytes(b"[profile a]\rregion = y\r[profile b]\rregion = x\r")
    assert run(capsys, "set", "b", "output", "json").code == 0
    assert run(capsys, "rename", "a", "c").code == 0
    assert home.config.read_bytes() == b"[profile c]\rregion = y\r[profile b]\rregion = x\routput = json\r"
    assert botocore_profiles(home.config, home.credentials) == {
        "c": {"region": "y"},
        "b": {"region": "x", "output": "json"},
    }


def test_profile_name_with_spaces_is_quoted_as_the_aws_cli_does(home: Home) -> None:
    with store.transaction(home.paths) as tx:
        tx.set("my team", "region", "eu-west-1")
        tx.set("my team", "aws_access_key_id", "AKIAIOSFODNN7EXAMPLE")
    assert home.config.read_text() == "[profile 'my team']\nregion = eu-west-1\n"
    assert home.credentials.read_text() == "[my team]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
    assert store.load(home.paths).profile("my team").values == {  # type: ignore[union-attr]
        "region": "eu-west-1",
        "aws_access_key_id": "AKIAIOSFODNN7EXAMPLE",
    }


def test_file_without_final_newline_keeps_it_after_an_edit(home: Home) -> None:
    home.credentials.parent.mkdir()
    home.credentials.write_text("[default]\naws_access_key_id = AKIAI44QH8DHBEXAMPLE")
    with store.transaction(home.paths) as tx:
        tx.set("ci", "aws_access_key_id", "AKIAJZ5EXAMPLE7QRSTU")
    assert home.credentials.read_text() == (
        "[default]\naws_access_key_id = AKIAI44QH8DHBEXAMPLE\n\n"
        "[ci]\naws_access_key_id = AKIAJZ5EXAMPLE7QRSTU"
    )


def test_renaming_default_with_an_ignored_twin_is_refused(home: Home) -> None:
    target = install(Path(__file__).parent / "fixtures" / "default-twice.config", home)
    with (
        pytest.raises(Refused, match=r"line 1: \[default\] would become the default profile"),
        store.transaction(home.paths) as tx,
    ):
        tx.rename("default", "renamed-profile")
    assert target.read_bytes() == (Path(__file__).parent / "fixtures" / "default-twice.config").read_bytes()
