"""The cached-session fast path of env/exec/credential-process, held against botocore itself.

Every test that serves an entry also asks botocore (``get_credentials`` without a snapshot, inside
``mock_aws``): had botocore looked for another file, it would have assumed the role in moto and
come back with other credentials.
"""

from __future__ import annotations

import itertools
import json
import os
import shlex
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from dateutil.parser import parse as dateutil_parse
from moto import mock_aws

from awsprofiles import cli, store
from awsprofiles.aws import role_cache
from awsprofiles.aws.credentials import Credentials, cli_cache_dir, get_credentials
from awsprofiles.errors import FileProblem
from tests.conftest import Home

ROLE = "arn:aws:iam::123456789012:role/deploy"
PATHED = "arn:aws:iam::210987654321:role/team/ops/Deployer"
KEYS = "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s3cr3t\n"


@pytest.fixture
def aws(home: Home) -> Iterator[None]:
    with mock_aws():
        yield


def write(home: Home, config: str, credentials: str = f"[base]\n{KEYS}") -> None:
    home.config.parent.mkdir(parents=True, exist_ok=True)
    home.config.write_text(config)
    home.credentials.write_text(credentials)


def cache_entry(
    home: Home, name: str, *, duration: int | None = None, left: timedelta = timedelta(hours=1), tag: str = ""
) -> dict[str, str]:
    """Write the entry our key names for profile ``name``, as botocore's JSONFileCache writes it."""
    snapshot = store.load(home.paths)
    profile = snapshot.profile(name)
    assert profile is not None
    arguments = role_cache.assume_role_arguments(profile.values, duration)
    assert arguments is not None
    expires = (datetime.now(UTC) + left).replace(microsecond=0)
    credentials = {
        "AccessKeyId": f"ASIACACHED{tag}".upper()[:20],
        "SecretAccessKey": f"cached-secret-{tag}",
        "SessionToken": f"cached-token-{tag}",
        "Expiration": expires.strftime("%Y-%m-%dT%H:%M:%SUTC"),
    }
    folder = Path(cli_cache_dir())
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{role_cache.cache_key(arguments)}.json").write_text(json.dumps({"Credentials": credentials}))
    return credentials


def fast(home: Home, name: str, duration: int | None = None) -> Credentials | None:
    return role_cache.cached_role_credentials(store.load(home.paths), name, duration=duration)


def botocore(home: Home, name: str, duration: int | None = None) -> Credentials:
    return get_credentials(home.paths, name, duration=duration, can_prompt=False)


SOURCES = {
    "keys": "source_profile = base\n",
    "role chain": "source_profile = hop\n",
    "its own keys": "source_profile = {name}\n",
    "environment": "credential_source = Environment\n",
}
SETTINGS = ("role_session_name = alice\n", "external_id = ext-42\n", "mfa_serial = arn:aws:iam::1:mfa/a\n")
DURATIONS: list[tuple[str, int | None]] = [("", None), ("duration_seconds = 1800\n", None),
                                           ("duration_seconds = soon\n", None), ("", 7200)]  # fmt: skip


class _LookupRecorder(dict[str, object]):
    """A cache that records the key botocore looks up, and answers with a valid session."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: list[str] = []
        expires = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SUTC")
        self.entry = {
            "AccessKeyId": "ASIA1",
            "SecretAccessKey": "s",
            "SessionToken": "t",
            "Expiration": expires,
        }

    def __contains__(self, key: object) -> bool:
        self.keys.append(str(key))
        return True

    def __getitem__(self, key: str) -> object:
        return {"Credentials": dict(self.entry)}


def test_cache_key_is_the_one_botocore_looks_up_for_every_combination(
    home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.credentials import (
        AssumeRoleProvider,
        CanonicalNameCredentialSourcer,
        EnvProvider,
        ProfileProviderBuilder,
    )

    from awsprofiles.aws.session import make_session

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENTKEY01")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "from-the-environment")
    combinations = list(
        itertools.product(
            (ROLE, PATHED), SOURCES.values(), itertools.product((False, True), repeat=3), DURATIONS
        )
    )
    # One profile per combination, so that botocore reads the files once.
    sections = [f"[profile hop]\nrole_arn = {ROLE}-hop\nsource_profile = base\n"]
    keys = [f"[base]\n{KEYS}"]
    for number, (arn, source, chosen, (duration_line, _)) in enumerate(combinations):
        settings = "".join(line for line, on in zip(SETTINGS, chosen, strict=True) if on)
        name = f"target-{number}"
        sections.append(
            f"[profile {name}]\nrole_arn = {arn}\n{source.format(name=name)}{settings}{duration_line}"
        )
        if source == SOURCES["its own keys"]:
            keys.append(f"[{name}]\n{KEYS}")
    write(home, "".join(sections), "".join(keys))
    snapshot = store.load(home.paths)
    session = make_session(home.paths)
    for number, (arn, source, chosen, (duration_line, duration)) in enumerate(combinations):
        name = f"target-{number}"
        config = session.full_config
        if duration is not None:  # as get_credentials applies --duration, on a copy
            profiles = config["profiles"]
            changed = {**profiles[name], "duration_seconds": str(duration)}
            config = {**config, "profiles": {**profiles, name: changed}}
        recorder = _LookupRecorder()
        provider = AssumeRoleProvider(
            load_config=lambda config=config: config,
            client_creator=session.create_client,
            cache=recorder,
            profile_name=name,
            credential_sourcer=CanonicalNameCredentialSourcer([EnvProvider()]),
            profile_provider_builder=ProfileProviderBuilder(session),
        )
        assert provider.load().get_frozen_credentials().access_key == "ASIA1"
        profile = snapshot.profile(name)
        assert profile is not None
        arguments = role_cache.assume_role_arguments(profile.values, duration)
        assert arguments is not None
        assert recorder.keys == [role_cache.cache_key(arguments)], (
            arn,
            source,
            chosen,
            duration_line,
            duration,
        )


def test_botocore_reads_the_entry_at_our_key_through_the_aws_cli_cache(home: Home, aws: None) -> None:
    write(
        home,
        f"[profile hop]\nrole_arn = {ROLE}-hop\nsource_profile = base\n"
        f"[profile target]\nrole_arn = {PATHED}\nsource_profile = hop\nrole_session_name = alice\n"
        "external_id = ext-42\nmfa_serial = arn:aws:iam::1:mfa/a\nduration_seconds = 1800\n",
    )
    cached = cache_entry(home, "target", duration=7200)
    assert botocore(home, "target", duration=7200).access_key_id == cached["AccessKeyId"]
    assert fast(home, "target", duration=7200) == botocore(home, "target", duration=7200)


def test_env_from_the_cache_is_byte_for_byte_what_botocore_gives(
    home: Home, aws: None, capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    # env marks the profiles it is resolving (loop detection); each run here is a new one.
    monkeypatch.setenv("PROFILES_RESOLVING", "[]")
    write(home, f"[profile target]\nrole_arn = {ROLE}\nsource_profile = base\nregion = eu-west-2\n")
    cache_entry(home, "target")
    commands = [
        ["env", "target", "--shell", shell]
        for shell in ("bash", "fish", "powershell", "cmd", "dotenv", "json")
    ] + [["credential-process", "target"], ["env", "target", "--duration", "3600", "--shell", "bash"]]
    cache_entry(home, "target", duration=3600, tag="long")
    outputs = []
    for argv in commands:
        os.environ["PROFILES_RESOLVING"] = "[]"
        assert cli.main(argv) == 0
        outputs.append(capsysbinary.readouterr().out)
    monkeypatch.setattr(role_cache, "cached_role_credentials", lambda *args, **kwargs: None)
    for argv, output in zip(commands, outputs, strict=True):
        os.environ["PROFILES_RESOLVING"] = "[]"
        assert cli.main(argv) == 0
        assert capsysbinary.readouterr().out == output, argv
    assert b"export AWS_REGION='eu-west-2'" in outputs[0]
    assert b"ASIACACHED" in outputs[0]
    assert b"ASIACACHEDLONG" in outputs[-1]


def test_an_entry_within_the_refresh_window_is_left_to_botocore(home: Home, aws: None) -> None:
    write(home, f"[profile target]\nrole_arn = {ROLE}\nsource_profile = base\n")
    cached = cache_entry(home, "target", left=timedelta(minutes=16))
    assert fast(home, "target") == botocore(home, "target")
    assert fast(home, "target") is not None
    cached = cache_entry(home, "target", left=timedelta(minutes=14))
    assert fast(home, "target") is None
    assert botocore(home, "target").access_key_id != cached["AccessKeyId"]  # assumed again


@pytest.mark.parametrize(
    "target",
    [
        "credential_source = Environment\n",
        "source_profile = sso\n",
        "source_profile = process\n",
        "source_profile = half\n",
        "source_profile = split\n",
        "source_profile = loop-a\n",
        "source_profile = missing\n",
        "source_profile = base\ncredential_source = Environment\n",
        "source_profile = base\nweb_identity_token_file = /nowhere\n",
        "source_profile = base\nexternal_id =\n  nested = value\n",
    ],
)
def test_profiles_botocore_resolves_otherwise_are_left_to_it(home: Home, target: str) -> None:
    write(
        home,
        f"[profile target]\nrole_arn = {ROLE}\n{target}"
        "[profile sso]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = r\n"
        f"[profile process]\ncredential_process = /bin/false\n{KEYS}"
        f"[profile loop-a]\nrole_arn = {ROLE}-a\nsource_profile = loop-b\n"
        f"[profile loop-b]\nrole_arn = {ROLE}-b\nsource_profile = loop-a\n"
        "[profile split]\naws_secret_access_key = in-the-config\n",
        f"[base]\n{KEYS}[half]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
        "[split]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n",
    )
    snapshot = store.load(home.paths)
    profile = snapshot.profile("target")
    assert profile is not None
    arguments = role_cache.assume_role_arguments(profile.values) or {"RoleArn": ROLE}
    folder = Path(cli_cache_dir())
    folder.mkdir(parents=True)
    expires = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SUTC")
    entry = {"AccessKeyId": "ASIA1", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": expires}
    (folder / f"{role_cache.cache_key(arguments)}.json").write_text(json.dumps({"Credentials": entry}))
    assert role_cache.cached_role_credentials(snapshot, "target") is None


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "[]",
        '{"Credentials": {"AccessKeyId": "ASIA1", "SecretAccessKey": "s", "Expiration": "{in_an_hour}"}}',
        '{"Credentials": {"AccessKeyId": "ASIA1", "SecretAccessKey": "s", "SessionToken": "t",'
        ' "Expiration": "2099-01-01T00:00:00"}}',
        '{"Credentials": {"AccessKeyId": "", "SecretAccessKey": "s", "SessionToken": "t",'
        ' "Expiration": "{in_an_hour}"}}',
    ],
)
def test_unreadable_or_incomplete_entries_are_left_to_botocore(home: Home, content: str) -> None:
    write(home, f"[profile target]\nrole_arn = {ROLE}\nsource_profile = base\n")
    in_an_hour = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    folder = Path(cli_cache_dir())
    folder.mkdir(parents=True)
    key = role_cache.cache_key({"RoleArn": ROLE})
    (folder / f"{key}.json").write_text(content.replace("{in_an_hour}", in_an_hour))
    assert fast(home, "target") is None


@pytest.mark.parametrize(
    "text",
    [
        "2030-05-06T07:08:09UTC",
        "2030-05-06T07:08:09Z",
        "2030-05-06T07:08:09+00:00",
        "2030-05-06T07:08:09.123456+02:00",
        "2030-05-06T07:08:09-0530",
        "2030-05-06T07:08:09.5Z",
    ],
)
def test_expiration_is_read_as_botocore_reads_it(text: str) -> None:
    assert role_cache.parse_expiration(text) == dateutil_parse(text)


def test_env_of_a_cached_role_starts_without_botocore(home: Home) -> None:
    write(home, f"[profile target]\nrole_arn = {ROLE}\nsource_profile = base\n")
    cached = cache_entry(home, "target")
    ran = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "awsprofiles", "env", "target", "--shell", "bash"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert f"export AWS_ACCESS_KEY_ID='{cached['AccessKeyId']}'" in ran.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in ran.stderr.splitlines() if "|" in line}
    assert "awsprofiles.aws.role_cache" in imported
    assert not {name for name in imported if name.split(".")[0] in ("boto3", "botocore", "rich")}


def test_cache_folder_is_the_aws_clis(home: Home) -> None:
    assert cli_cache_dir() == str(Path(home.root) / ".aws" / "cli" / "cache")


def test_a_role_on_a_keyring_source_is_served_from_the_cache_as_botocore_serves_it(
    home: Home, aws: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # botocore runs the source's credential_process first, then looks the role up in the cache;
    # a stand-in `profiles` gives it a key, so that botocore's answer can be compared.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stand_in = bin_dir / "profiles"
    stand_in.write_text(
        "#!/bin/sh\n"
        'echo \'{"Version": 1, "AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "SecretAccessKey": "s3cr3t"}\'\n'
    )
    stand_in.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    write(
        home,
        f"[profile target]\nrole_arn = {ROLE}\nsource_profile = vaulted\nregion = eu-west-2\n"
        "[profile vaulted]\ncredential_process = profiles credential-process vaulted --from-keyring\n",
        "",
    )
    cached = cache_entry(home, "target")
    served = fast(home, "target")
    assert served is not None
    assert served.access_key_id == cached["AccessKeyId"]
    assert served == botocore(home, "target")
    # Any other credential_process is run by botocore, whatever it does.
    other = "[profile other]\ncredential_process = aws-vault export --format=json other\n"
    write(home, f"[profile target]\nrole_arn = {ROLE}\nsource_profile = other\n{other}", "")
    assert fast(home, "target") is None


# --------------------------------------------------------------------------- hostile entries
# (issue 17 items 3-5; every hostile entry against the real commands: tests/e2e/test_role_cache_e2e.py)


@pytest.mark.parametrize(
    "value",
    [
        "2030-13-45T00:00:00UTC",  # month 13
        "2030-01-01T24:00:00Z",
        "9999-12-31T23:59:59-01:00",  # beyond year 9999 in UTC
        "0001-01-01T00:00:00+01:00",  # before year 1 in UTC
        "2030-01-01T00:00:00+99:99",
        "2030-01-01T00:00:00+24:00",  # an offset of a day
        "2099-01-01T00:00:00",  # no zone: botocore cannot compare it with the time
        "soon",
        4102444800,
        None,
        ["2030-01-01T00:00:00Z"],
    ],
)
def test_an_expiration_out_of_range_or_of_another_type_is_none_not_an_error(value: object) -> None:
    assert role_cache.parse_expiration(value) is None


def _document(**changed: object) -> dict[str, object]:
    credentials = {
        "AccessKeyId": "ASIAEXAMPLEEXAMPLE01",
        "SecretAccessKey": "wJalr/XUtnFEMI+K7MDENG",
        "SessionToken": "IQoJb3JpZ2luX2VjE/+=",
        "Expiration": "2030-05-06T07:08:09UTC",
    }
    return {"Credentials": {**credentials, **changed}}


@pytest.mark.parametrize(
    "document",
    [
        None,
        [],
        "text",
        {"Credentials": None},
        {"Credentials": list(_document()["Credentials"].values())},  # type: ignore[union-attr]
        _document(AccessKeyId=12345),
        _document(SecretAccessKey=None),
        _document(SessionToken=""),
        _document(SecretAccessKey="wJalr\x00XUtn"),
        _document(AccessKeyId="ASIA\nEXAMPLE"),
        _document(SessionToken="token with spaces"),
        _document(SessionToken="IQoJ\ud800"),
        _document(SecretAccessKey="wJalré"),
        _document(Expiration=4102444800),
        _document(Expiration="2030-01-01T00:00:00+99:99"),
    ],
)
def test_an_entry_with_a_part_missing_or_mistyped_holds_no_session(document: object) -> None:
    assert role_cache.session_of(document) is None


def test_a_well_formed_entry_holds_its_session_and_only_a_text_account_id() -> None:
    session = role_cache.session_of(_document(AccountId="123456789012"))
    assert session is not None
    assert session.access_key_id == "ASIAEXAMPLEEXAMPLE01"
    assert session.expiration == datetime(2030, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert session.expiration_text == "2030-05-06T07:08:09UTC"
    assert session.account_id == "123456789012"
    numbered = role_cache.session_of(_document(AccountId=123456789012))
    assert numbered is not None
    assert numbered.account_id is None


@pytest.mark.parametrize(
    "account_id",
    [
        "\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660\u0661\u0662",  # Arabic-Indic
        "\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff10\uff11\uff12",  # full width
        "\u00b2" * 12,  # superscript two: str.isdigit() says yes
        "1234567890",
        "1234567890123",
        "123456789012\n",
        "",
    ],
)
def test_a_cached_account_id_is_kept_only_when_it_is_twelve_ascii_digits(account_id: str) -> None:
    session = role_cache.session_of(_document(AccountId=account_id))
    assert session is not None
    assert session.account_id is None


def _tmp_files(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp"))


def test_botocores_view_of_the_cache_misses_every_unusable_entry(home: Home) -> None:
    folder = Path(cli_cache_dir())
    folder.mkdir(parents=True)
    cache = role_cache.EntryCache(folder)
    os.mkfifo(folder / "fifo.json")
    (folder / "zero.json").symlink_to("/dev/zero")
    (folder / "null.json").write_text("null")
    (folder / "nested.json").write_text("[" * 100_000 + "]" * 100_000)
    (folder / "large.json").write_text(json.dumps(_document()) + " " * (300 * 1024))
    (folder / "latin-1.json").write_bytes(json.dumps(_document()).replace("wJalr", "\xe9").encode("latin-1"))
    for key in ("fifo", "zero", "null", "nested", "large", "latin-1", "absent"):
        assert key not in cache, key
        with pytest.raises(KeyError):
            cache[key]
    (folder / "good.json").write_text(json.dumps({**_document(AccountId=7), "ResponseMetadata": {}}))
    assert "good" in cache
    # What botocore gets is the checked session, read once: the file may change in between.
    (folder / "good.json").write_text("null")
    assert cache["good"] == {"Credentials": _document()["Credentials"]}


def test_a_directory_at_an_entry_is_refused_naming_it_and_how_to_remove_it(home: Home, aws: None) -> None:
    write(home, f"[profile target]\nrole_arn = {ROLE}\nsource_profile = base\n")
    entry = Path(cli_cache_dir()) / f"{role_cache.cache_key({'RoleArn': ROLE})}.json"
    entry.mkdir(parents=True)
    with pytest.raises(FileProblem) as refused:
        get_credentials(home.paths, "target", can_prompt=False, snapshot=store.load(home.paths))
    assert f"the cache file {entry} is a directory" in refused.value.message
    assert f"rm -r -- {shlex.quote(str(entry))}" in refused.value.message
    assert "--no-cache" in refused.value.message
    from moto.sts.models import sts_backends

    assert not any(
        backend.assumed_roles for by_region in sts_backends.values() for backend in by_region.values()
    )
    assert entry.is_dir()
    assert _tmp_files(entry.parent) == []


def test_a_write_that_fails_leaves_no_temporary_file_and_says_which_file(
    home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = Path(cli_cache_dir())
    folder.mkdir(parents=True)
    cache = role_cache.EntryCache(folder)
    (folder / "dir.json").mkdir()
    with pytest.raises(FileProblem, match="is a directory"):
        cache["dir"] = _document()
    assert _tmp_files(folder) == []

    def full(source: object, target: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(
        FileProblem,
        match=f"cannot write the cache file {folder / 'key.json'}: No space left.*; or run with --no-cache",
    ):
        cache["key"] = _document()
    assert _tmp_files(folder) == []
    assert sorted(os.listdir(folder)) == ["dir.json"]


def test_a_symlinked_entry_is_replaced_by_a_file_never_written_through(home: Home, tmp_path: Path) -> None:
    folder = Path(cli_cache_dir())
    folder.mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text("not the cache's")
    (folder / "key.json").symlink_to(elsewhere)
    role_cache.EntryCache(folder)["key"] = {
        "Credentials": {"Expiration": datetime(2030, 5, 6, 7, 8, 9, tzinfo=UTC)}
    }
    assert elsewhere.read_text() == "not the cache's"
    entry = folder / "key.json"
    assert not entry.is_symlink()
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    # JSONFileCache's bytes: json.dumps, a datetime as '%Y-%m-%dT%H:%M:%S%Z'.
    assert entry.read_text() == '{"Credentials": {"Expiration": "2030-05-06T07:08:09UTC"}}'


_KILLED_WRITE = """
import os, signal, sys
from pathlib import Path
from awsprofiles.aws import caches

def killed(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

os.replace = killed  # the process dies with the new entry on disk, before it replaces the old one
caches.write_cache_document(Path(sys.argv[1]), sys.argv[2].encode())
"""


def test_a_cache_write_killed_midway_leaves_a_temporary_file_that_the_next_use_of_the_cache_removes(
    home: Home,
) -> None:
    folder = Path(cli_cache_dir())
    folder.mkdir(parents=True)
    key = role_cache.cache_key({"RoleArn": ROLE})
    document = json.dumps(_document())
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_WRITE, str(folder / f"{key}.json"), document], timeout=60
    )
    assert killed.returncode == -9
    (leftover,) = (folder / name for name in _tmp_files(folder))
    assert leftover.read_text() == document  # live role credentials
    assert stat.S_IMODE(leftover.stat().st_mode) == 0o600

    # Younger than the store's limit, a temporary file may be another run's write in flight: kept.
    assert role_cache.read_entry(folder / f"{key}.json", datetime.now(UTC)) is None
    assert leftover.exists()
    old = time.time() - store.STALE_TEMPORARY_SECONDS - 60
    os.utime(leftover, (old, old))
    # Only our own temporary files (botocore's JSONFileCache names its own tmpXXXXXXXX.tmp), only
    # regular files, never through a link.
    others = [folder / "tmpabcd1234.tmp", folder / f".{key}.json.notes.tmp"]
    for path in others:
        path.write_text(document)
        os.utime(path, (old, old))
    linked = folder / f".{key}.json.zz00zz00.tmp"
    linked.symlink_to(others[0])
    os.utime(linked, (old, old), follow_symlinks=False)

    assert role_cache.read_entry(folder / f"{key}.json", datetime.now(UTC)) is None  # a read sweeps
    assert not leftover.exists()
    assert all(path.exists() for path in others)
    assert linked.is_symlink()

    # A write sweeps too (the SSO token cache is written the same way).
    fresh = folder / f".{key}.json.fresh000.tmp"
    stale = folder / f".{key}.json.stale000.tmp"
    for path in (fresh, stale):
        path.write_text(document)
    os.utime(stale, (old, old))
    role_cache.EntryCache(folder)["other"] = _document()
    assert (fresh.exists(), stale.exists()) == (True, False)
