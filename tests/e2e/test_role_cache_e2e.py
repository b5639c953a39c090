"""The AWS CLI's role cache (``~/.aws/cli/cache``) is untrusted input: every hostile entry of issue
17 (items 3-5), planted where example-role's session belongs, against the fast paths of ``env`` and
``credential-process`` and against the full command (the CLI with the fast path skipped), each a
real ``profiles`` process with a timeout and a memory limit, the role really assumed in moto_server.

Whatever the entry is, a run never hangs, never prints a traceback or "unexpected", prints only
correctly typed credentials, and leaves no temporary file in the cache folder; an entry it cannot
use is a miss (the role is assumed again and the entry replaced, as the ``aws`` CLI does), and an
entry that cannot be replaced (a directory) is refused with exit 4 before any AssumeRole.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from awsprofiles import store
from awsprofiles.aws import role_cache
from awsprofiles.aws.credentials import cli_cache_dir
from tests.conftest import PROFILES
from tests.e2e.conftest import Article
from tests.e2e.test_env import assumed_roles

pytestmark = pytest.mark.e2e

#: The CLI with the start-up fast path skipped: what runs when the fast path is not sure.
FULL_COMMAND = [
    sys.executable,
    "-c",
    "import sys; sys.argv[0] = 'profiles'; from awsprofiles.cli import run; run()",
]
RUNS = {
    "env": [*PROFILES, "env", "example-role", "--shell", "json"],
    "credential-process": [*PROFILES, "credential-process", "example-role"],
    "full command": [*FULL_COMMAND, "credential-process", "example-role"],
}
#: Address space of each run: /dev/zero read whole ends in MemoryError, not the OOM killer.
MEMORY_LIMIT = 2 * 1024**3
TIMEOUT = 90

Plant = Callable[[Path, dict[str, object]], None]


def _in_an_hour() -> str:
    return (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SUTC")


def _valid() -> dict[str, object]:
    """A well-formed session (not one STS knows): served as it is, unless the entry is hostile."""
    return {
        "AccessKeyId": "ASIAPLANTEDPLANTED01",
        "SecretAccessKey": "planted-secret",
        "SessionToken": "planted-token",
        "Expiration": _in_an_hour(),
    }


def _json(document: object) -> Plant:
    return lambda path, _: path.write_text(json.dumps(document))


def _credentials(**changed: object) -> Plant:
    def plant(path: Path, valid: dict[str, object]) -> None:
        path.write_text(json.dumps({"Credentials": {**valid, **changed}}))

    return plant


def _fifo(path: Path, _: dict[str, object]) -> None:
    os.mkfifo(path, 0o600)


def _sparse(path: Path, valid: dict[str, object]) -> None:
    path.write_text(json.dumps({"Credentials": valid}))
    os.truncate(path, 200 * 1024 * 1024)


def _truncated(path: Path, valid: dict[str, object]) -> None:
    text = json.dumps({"Credentials": valid})
    path.write_text(text[: len(text) // 2])


def _not_utf8(path: Path, valid: dict[str, object]) -> None:
    path.write_bytes(
        json.dumps({"Credentials": valid}).replace("planted-secret", "planted-\xff").encode("latin-1")
    )


def _nested(path: Path, _: dict[str, object]) -> None:
    path.write_text('{"Credentials": ' + "[" * 100_000 + "]" * 100_000 + "}")


def _link(target: str) -> Plant:
    def plant(path: Path, _: dict[str, object]) -> None:
        path.symlink_to(target.replace("{path}", str(path)))

    return plant


def _directory(path: Path, _: dict[str, object]) -> None:
    path.mkdir()
    (path / "inside").write_text("x")


@dataclass(frozen=True)
class Hostile:
    plant: Plant
    refused: bool = False  # exit 4, naming the entry: it cannot be replaced


HOSTILE = {
    "a FIFO": Hostile(_fifo),
    "a symlink to /dev/zero": Hostile(_link("/dev/zero")),
    "a 200 MB sparse file": Hostile(_sparse),
    "truncated JSON": Hostile(_truncated),
    "not UTF-8": Hostile(_not_utf8),
    "null": Hostile(_json(None)),
    "[]": Hostile(_json([])),
    "Credentials a list": Hostile(_json({"Credentials": list(_valid().values())})),
    "Credentials null": Hostile(_json({"Credentials": None})),
    "deeply nested JSON": Hostile(_nested),
    "an integer Expiration": Hostile(_credentials(Expiration=4102444800)),
    "month 13": Hostile(_credentials(Expiration="2030-13-45T00:00:00UTC")),
    "a date beyond year 9999 in UTC": Hostile(_credentials(Expiration="9999-12-31T23:59:59-01:00")),
    "a +99:99 offset": Hostile(_credentials(Expiration="2030-01-01T00:00:00+99:99")),
    "an Expiration without a zone": Hostile(_credentials(Expiration="2099-01-01T00:00:00")),
    "an Expiration that is no date": Hostile(_credentials(Expiration="soon")),
    "an integer AccessKeyId": Hostile(_credentials(AccessKeyId=12345)),
    "no SessionToken": Hostile(_credentials(SessionToken=None)),
    "a NUL in the secret": Hostile(_credentials(SecretAccessKey="planted\x00secret")),
    "a line break in the key ID": Hostile(_credentials(AccessKeyId="ASIAPLANTED\nPLANTED")),
    "a lone surrogate in the token": Hostile(_credentials(SessionToken="planted-\ud800")),
    "an unreadable symlink target": Hostile(_link("/proc/self/mem")),
    "a dangling symlink": Hostile(_link("{path}.gone")),
    "a symlink loop": Hostile(_link("{path}")),
    "a directory": Hostile(_directory, refused=True),
}


def entry_path(article: Article) -> Path:
    snapshot = store.load(article.home.paths)
    profile = snapshot.profile("example-role")
    assert profile is not None
    arguments = role_cache.assume_role_arguments(profile.values)
    assert arguments is not None
    return Path(cli_cache_dir()) / f"{role_cache.cache_key(arguments)}.json"


def clear(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def limited() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run(article: Article, command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=article.env,
        timeout=TIMEOUT,
        preexec_fn=limited,
        stdin=subprocess.DEVNULL,
    )


def typed_credentials(stdout: str) -> dict[str, object]:
    """What the run printed: the credential_process JSON, each value of its own type."""
    document = json.loads(stdout)
    assert isinstance(document, dict)
    assert document["Version"] == 1
    for name in ("AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"):
        assert isinstance(document[name], str), (name, document[name])
        assert document[name].isprintable(), name
        assert document[name].isascii(), name
    assert datetime.fromisoformat(document["Expiration"]) > datetime.now(UTC) + timedelta(minutes=15)
    return document


@pytest.mark.skipif(sys.platform != "linux", reason="FIFOs, /dev/zero and /proc/self/mem are Linux's")
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_cache_entry_is_a_miss_or_refused_never_a_hang_a_traceback_or_a_wrong_type(
    roles: Article, case: str
) -> None:
    hostile = HOSTILE[case]
    path = entry_path(roles)
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    for mode, command in RUNS.items():
        clear(path)
        hostile.plant(path, _valid())
        before = assumed_roles(roles, roles.role_arn)
        try:
            ran = run(roles, command)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{mode}: still running after {TIMEOUT} s")
        where = f"{mode}: exit {ran.returncode}\n{ran.stderr[-3000:]}"
        assert "Traceback" not in ran.stderr, where
        assert "unexpected" not in ran.stderr, where
        leftovers = [name for name in os.listdir(folder) if name.endswith(".tmp")]
        assert leftovers == [], where
        if hostile.refused:
            assert ran.returncode == 4, where
            assert ran.stdout == "", where
            lines = ran.stderr.splitlines()
            assert len(lines) == 1, where
            assert lines[0].startswith("error: "), where
            assert str(path) in lines[0], where
            assert "rm -r" in lines[0], where
            assert assumed_roles(roles, roles.role_arn) == before, where  # refused before AssumeRole
            assert path.is_dir(), where  # never removed for the user
            continue
        assert ran.returncode == 0, where
        served = typed_credentials(ran.stdout)
        assert served["AccessKeyId"] != _valid()["AccessKeyId"], where
        assert assumed_roles(roles, roles.role_arn) == before + 1, where  # a miss: assumed again
        status = path.lstat()
        assert stat.S_ISREG(status.st_mode), where  # ... and the entry replaced by a file
        assert stat.S_IMODE(status.st_mode) == 0o600, where
        replaced = json.loads(path.read_text(encoding="utf-8"))
        assert replaced["Credentials"]["AccessKeyId"] == served["AccessKeyId"], where
    if hostile.refused:
        return
    # The replaced entry is served from the cache: no AssumeRole, the same session.
    before = assumed_roles(roles, roles.role_arn)
    again = run(roles, RUNS["env"])
    assert again.returncode == 0, again.stderr
    assert typed_credentials(again.stdout)["AccessKeyId"] == served["AccessKeyId"]
    assert assumed_roles(roles, roles.role_arn) == before


def test_a_valid_entry_is_served_by_every_run_without_assuming_the_role(roles: Article) -> None:
    """The control: the same runs serve a well-formed entry as it is (so the cases above are
    about what is hostile in each, not about how the entry is planted)."""
    path = entry_path(roles)
    path.parent.mkdir(parents=True, exist_ok=True)
    for mode, command in RUNS.items():
        clear(path)
        path.write_text(json.dumps({"Credentials": _valid()}))
        ran = run(roles, command)
        assert ran.returncode == 0, (mode, ran.stderr)
        assert typed_credentials(ran.stdout)["AccessKeyId"] == _valid()["AccessKeyId"], mode
    assert assumed_roles(roles, roles.role_arn) == 0
