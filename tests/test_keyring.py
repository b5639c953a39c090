"""Keyring-backed profiles in-process, with a small in-memory keyring backend.

The order of operations is what keeps a secret safe, so most tests here inject a failure
between two steps and check that the secret is in exactly one place and nothing else changed.
The real Secret Service is used by tests/e2e/test_keyring_e2e.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring.core
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.errors import PasswordDeleteError, PasswordSetError

from awsprofiles import model, store, vault
from tests.conftest import PROFILES, Home
from tests.store_helpers import run

KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
ROLE_ARN = "arn:aws:iam::123456789012:role/example-role"
MFA = "arn:aws:iam::123456789012:mfa/Bob"


class MemoryKeyring(KeyringBackend):
    """A keyring in a dict, whose writes can be made to fail or to come back different."""

    priority = 10  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}
        self.fail_writes = False
        self.fail_deletes = False
        #: the next this many writes store something else than they were given
        self.garble = 0

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.fail_writes:
            raise PasswordSetError(f"cannot store {password}")  # must never be shown
        self.items[(service, username)] = password[:-1] if self.garble else password
        self.garble = max(0, self.garble - 1)

    def delete_password(self, service: str, username: str) -> None:
        if self.fail_deletes:
            raise PasswordDeleteError("locked")
        if self.items.pop((service, username), None) is None:
            raise PasswordDeleteError("no such item")


@pytest.fixture
def memory(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    monkeypatch.setattr(keyring.core, "_keyring_backend", backend)
    # The credential_process line names `profiles` by its bare name when it is on PATH.
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    return backend


@pytest.fixture
def key_json(tmp_path: Path) -> Path:
    path = tmp_path / "key.json"
    path.write_text(json.dumps({"AccessKey": {"AccessKeyId": KEY_ID, "SecretAccessKey": SECRET}}))
    return path


def files(home: Home) -> tuple[bytes | None, bytes | None]:
    return tuple(p.read_bytes() if p.exists() else None for p in (home.config, home.credentials))  # type: ignore[return-value]


def on_disk(home: Home) -> bytes:
    """Every byte under the home folder: the files, and any temporary or lock file beside them."""
    return b"".join(path.read_bytes() for path in sorted(home.root.rglob("*")) if path.is_file())


def item(memory: MemoryKeyring, home: Home, name: str = "Bob") -> dict[str, Any] | None:
    text = memory.items.get((vault.SERVICE, vault.item_user(home.paths, name)))
    return None if text is None else dict(json.loads(text))


def disk_full(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every write of the two files fails, as on a full disk."""

    def broken(path: Path, data: bytes, *args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store.fileio, "atomic_write", broken)


def keyring_bob(key_json: Path, capsys: pytest.CaptureFixture[str]) -> None:
    added = run(capsys, "add-user", "Bob", "--keyring", "--from-json", str(key_json), "--no-check")
    assert added.code == 0, added.err


def plain_bob(home: Home, capsys: pytest.CaptureFixture[str]) -> None:
    home.credentials.parent.mkdir(parents=True, exist_ok=True)
    home.credentials.parent.chmod(0o700)  # not open to others: no warning about it
    home.credentials.write_text("# keys of other tools\n")
    home.credentials.chmod(0o600)
    added = run(capsys, "add-user", "Bob", "--access-key-id", KEY_ID, "--secret-stdin", "--region",
                "eu-west-1", "--no-check", stdin=SECRET + "\n")  # fmt: skip
    assert added.code == 0, added.err


# --------------------------------------------------------------------------- the credential_process line


@pytest.mark.parametrize(
    ("command", "target", "keyring"),
    [
        ("profiles credential-process Bob --from-keyring", "Bob", True),
        ("/opt/my tools/profiles credential-process Bob", None, False),  # unquoted space: another program
        ("'/opt/my tools/profiles' credential-process --from-keyring 'my bob'", "my bob", True),
        ("/usr/local/bin/profiles credential-process --duration 900 Bob", "Bob", False),
        ("profiles credential-process --config-file=/x/config Bob --from-keyring", "Bob", True),
        ("aws-vault export --format=json Bob", None, False),
        ("profiles env Bob", None, False),
    ],
)
def test_the_profile_a_credential_process_serves_is_read_from_its_command(
    command: str, target: str | None, keyring: bool
) -> None:
    assert model.profiles_process_target(command) == target
    assert model.is_keyring_process(command) is keyring
    values = {"credential_process": command}
    assert model.kind_of(values) is (model.Kind.KEYRING if keyring else model.Kind.PROCESS)


def test_retargeting_a_credential_process_changes_only_the_profile_name() -> None:
    command = "'/opt/my tools/profiles' credential-process Bob --from-keyring --session-duration 3600"
    moved = model.retarget_profiles_process(command, "Alice Smith")
    assert model.profiles_process_target(moved) == "Alice Smith"
    assert (
        moved
        == "'/opt/my tools/profiles' credential-process 'Alice Smith' --from-keyring --session-duration 3600"
    )
    with pytest.raises(ValueError, match="does not run"):
        model.retarget_profiles_process("aws-vault export Bob", "x")


# --------------------------------------------------------------------------- add-user --keyring


def test_add_user_keyring_puts_the_key_in_the_keyring_and_none_in_the_files(
    home: Home, memory: MemoryKeyring, key_json: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    added = run(capsys, "add-user", "Bob", "--keyring", "--from-json", str(key_json), "--region", "eu-west-1",
                "--no-check")  # fmt: skip
    assert added.code == 0, added.err
    assert item(memory, home) == {"Version": 1, "aws_access_key_id": KEY_ID, "aws_secret_access_key": SECRET}
    assert list(memory.items) == [("profiles", f"{home.credentials}#Bob")]
    assert home.config.read_text() == (
        "[profile Bob]\nregion = eu-west-1\n"
        "credential_process = profiles credential-process Bob --from-keyring\n"
    )
    assert not home.credentials.exists()
    assert SECRET.encode() not in on_disk(home)
    assert SECRET not in added.out + added.err

    listed = run(capsys, "list", "--json")
    assert json.loads(listed.out)[0]["kind"] == "keys (keyring)"
    shown = run(capsys, "show", "Bob")
    assert "Bob (keys (keyring))" in shown.out
    assert "aws_access_key_id = AKIA************MPLE    [keyring]" in shown.out
    assert SECRET not in shown.out + shown.err

    served = run(capsys, "credential-process", "Bob", "--from-keyring")
    assert json.loads(served.out) == {"Version": 1, "AccessKeyId": KEY_ID, "SecretAccessKey": SECRET}


def test_add_user_over_a_keyring_profile_without_keyring_moves_the_key_back_and_deletes_the_item(
    home: Home, memory: MemoryKeyring, key_json: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keyring_bob(key_json, capsys)
    again = run(capsys, "add-user", "Bob", "--from-json", str(key_json), "--force", "--no-check")
    assert again.code == 0, again.err
    bob = store.load(home.paths).profile("Bob")
    assert bob is not None
    assert bob.kind is model.Kind.KEYS
    assert "credential_process" not in bob.values
    assert memory.items == {}


# --------------------------------------------------------------------------- protect / unprotect


def test_unprotect_then_protect_gives_back_the_same_bytes_and_a_second_protect_changes_nothing(
    home: Home, memory: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    plain_bob(home, capsys)
    start = files(home)
    protected = run(capsys, "protect", "Bob")
    assert protected.code == 0, protected.err
    assert item(memory, home) == {"Version": 1, "aws_access_key_id": KEY_ID, "aws_secret_access_key": SECRET}
    assert home.credentials.read_bytes() == b"# keys of other tools\n"
    assert SECRET.encode() not in on_disk(home)
    middle = files(home)

    again = run(capsys, "protect", "Bob")
    assert again.code == 0
    assert "already protected" in again.err
    assert files(home) == middle

    assert run(capsys, "unprotect", "Bob").code == 0
    assert files(home) == start
    assert memory.items == {}
    assert run(capsys, "protect", "Bob").code == 0
    assert files(home) == middle


def test_protect_dry_run_shows_the_diff_with_secrets_masked_and_changes_nothing(
    home: Home, memory: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    plain_bob(home, capsys)
    start = files(home)
    dry = run(capsys, "protect", "--all", "--dry-run")
    assert dry.code == 0, dry.err
    assert "-aws_secret_access_key = ********" in dry.out
    assert "-aws_access_key_id = AKIA************MPLE" in dry.out
    assert "+credential_process = profiles credential-process Bob --from-keyring" in dry.out
    assert SECRET not in dry.out + dry.err
    assert files(home) == start
    assert memory.items == {}


def test_protect_refuses_profiles_without_keys_and_unknown_names(
    home: Home, memory: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    plain_bob(home, capsys)
    assert run(capsys, "add-role", "r", "--source", "Bob", "--role-arn", ROLE_ARN, "--no-check").code == 0
    start = files(home)
    assert run(capsys, "protect", "r").code == 2
    assert run(capsys, "protect", "ghost").code == 2
    assert run(capsys, "protect").code == 2
    assert run(capsys, "unprotect", "Bob").code == 0  # plaintext already: nothing to do
    assert files(home) == start
    assert memory.items == {}


@pytest.mark.parametrize("failure", ["write", "read-back", "file-write"])
def test_a_failed_protect_leaves_the_secret_in_the_file_only_and_exits_4(
    failure: str,
    home: Home,
    memory: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plain_bob(home, capsys)
    start = files(home)
    if failure == "write":
        memory.fail_writes = True
    elif failure == "read-back":
        memory.garble = 1
    else:
        disk_full(monkeypatch)
    failed = run(capsys, "protect", "Bob")
    assert failed.code == 4
    assert failed.err.startswith("error: ")
    assert SECRET not in failed.err + failed.out
    assert files(home) == start  # the secret is in the file ...
    assert memory.items == {}  # ... and only there


def test_a_failed_unprotect_leaves_the_secret_in_the_keyring_only(
    home: Home,
    memory: MemoryKeyring,
    key_json: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keyring_bob(key_json, capsys)
    start = files(home)
    disk_full(monkeypatch)
    failed = run(capsys, "unprotect", "Bob")
    assert failed.code == 4
    assert files(home) == start
    assert item(memory, home) is not None


def test_an_item_that_cannot_be_deleted_after_unprotect_is_reported_and_nothing_is_lost(
    home: Home, memory: MemoryKeyring, key_json: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keyring_bob(key_json, capsys)
    memory.fail_deletes = True
    done = run(capsys, "unprotect", "Bob")
    assert done.code == 0
    assert "could not be deleted" in done.err
    assert SECRET.encode() in home.credentials.read_bytes()  # in both places, never in neither


def test_without_a_keyring_nothing_is_written_and_the_error_says_what_to_install(
    home: Home, key_json: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(keyring.core, "_keyring_backend", fail.Keyring())
    failed = run(capsys, "add-user", "Bob", "--keyring", "--from-json", str(key_json), "--no-check")
    assert failed.code == 4
    assert "gnome-keyring" in failed.err
    assert "PYTHON_KEYRING_BACKEND" in failed.err
    assert files(home) == (None, None)
    plain_bob(home, capsys)
    start = files(home)
    assert run(capsys, "protect", "--all").code == 4
    assert files(home) == start


def test_headless_linux_without_a_secret_service_gets_the_no_keyring_error(
    home: Home, key_json: Path
) -> None:
    env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": f"unix:path={home.root}/no-bus"}
    env.pop("PYTHON_KEYRING_BACKEND", None)
    ran = subprocess.run(
        [*PROFILES, "add-user", "Bob", "--keyring", "--from-json", str(key_json), "--no-check"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert ran.returncode == 4, ran.stderr
    assert ran.stderr.startswith("error: no OS keyring is available")
    assert not home.config.exists()
    assert not home.credentials.exists()


# --------------------------------------------------------------------------- rename, remove, rotate


def test_rename_moves_the_item_and_retargets_every_credential_process(
    home: Home, memory: MemoryKeyring, key_json: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keyring_bob(key_json, capsys)
    assert run(capsys, "add-role", "r", "--source", "Bob", "--role-arn", ROLE_ARN, "--no-check").code == 0
    assert (
        run(capsys, "set", "alias", "credential_process", "profiles credential-process Bob", "--create").code
        == 0
    )
    renamed = run(capsys, "rename", "Bob", "Robert")
    assert renamed.code == 0, renamed.err
    snapshot = store.load(home.paths)
    robert, role, alias = (snapshot.profile(name) for name in ("Robert", "r", "alias"))
    assert robert is not None
    assert role is not None
    assert alias is not None
    assert robert.get("credential_process") == "profiles credential-process Robert --from-keyring"
    assert alias.get("credential_process") == "profiles credential-process Robert"
    assert role.get("source_profile") == "Robert"
    assert item(memory, home, "Robert") is not None
    assert item(memory, home, "Bob") is None


def test_remove_deletes_the_item_after_the_files_and_is_refused_while_a_process_uses_it(
    home: Home, memory: MemoryKeyring, key_json: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keyring_bob(key_json, capsys)
    assert (
        run(capsys, "set", "alias", "credential_process", "profiles credential-process Bob", "--create").code
        == 0
    )
    refused = run(capsys, "remove", "Bob")
    assert refused.code == 3
    assert "alias" in refused.err
    assert item(memory, home) is not None
    assert run(capsys, "remove", "alias").code == 0
    assert run(capsys, "remove", "Bob").code == 0
    assert memory.items == {}


def test_rotation_of_a_keyring_profile_writes_the_new_key_to_the_keyring_and_restores_it_on_failure(
    home: Home, memory: MemoryKeyring, key_json: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from awsprofiles import rotate
    from awsprofiles.aws.iam import KeyPair
    from awsprofiles.errors import FileProblem, Refused

    keyring_bob(key_json, capsys)
    start = files(home)
    assert rotate.current_key(store.load(home.paths), "Bob").access_key_id == KEY_ID
    new = KeyPair("AKIANEWNEWNEWNEW0001", "new-secret")
    holders = rotate.plan(home.paths, "Bob").holders  # Bob's keyring item
    rotate._write_key(home.paths, holders, KEY_ID, new)
    assert item(memory, home) == {
        "Version": 1,
        "aws_access_key_id": new.access_key_id,
        "aws_secret_access_key": "new-secret",
    }
    assert files(home) == start
    with pytest.raises(Refused):
        rotate._write_key(home.paths, holders, KEY_ID, new)  # the key is no longer the one expected
    memory.garble = 1
    with pytest.raises(FileProblem):
        rotate._write_key(home.paths, holders, new.access_key_id, KeyPair(KEY_ID, SECRET))
    # the read-back failed: the item holds the new key again, exactly as before
    assert item(memory, home) == {
        "Version": 1,
        "aws_access_key_id": new.access_key_id,
        "aws_secret_access_key": "new-secret",
    }


# --------------------------------------------------------------------------- safe writes (issue 8)


def test_a_protect_whose_second_write_and_restore_fail_deletes_the_item_and_the_journal_restores_the_files(
    home: Home, memory: MemoryKeyring, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """protect edits both files: journaled like any two-file edit, the item rolled back with them."""
    plain_bob(home, capsys)
    start = files(home)
    real_replace = os.replace
    replaced: list[Path] = []

    def replace(source: str, target: str | Path) -> None:
        target = Path(target)
        if target == home.credentials or (target == home.config and home.config in replaced):
            raise OSError(27, "File too large")
        real_replace(source, target)
        replaced.append(target)

    monkeypatch.setattr(os, "replace", replace)
    failed = run(capsys, "protect", "Bob")
    monkeypatch.setattr(os, "replace", real_replace)
    assert failed.code == 4, failed.err
    journal = store.journal_path(home.paths)
    assert f"the previous text of both files is in {journal}" in failed.err
    assert SECRET not in failed.err + failed.out
    assert item(memory, home) is None  # the files do not point at it: deleted again
    assert home.credentials.read_bytes() == start[1]  # the secret is still in the file

    listed = run(capsys, "list")
    assert listed.code == 0, listed.err
    assert "was put back as it was before that run" in listed.err
    assert files(home) == start
    assert not os.path.exists(journal)


def test_a_key_that_spans_lines_is_not_protected_and_an_item_that_does_is_not_unprotected(
    home: Home, memory: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    """An indented line after the secret continues it (configparser, botocore): such a value
    could never be written back by unprotect, so protect refuses it (found by the differential test)."""
    home.config.parent.mkdir(mode=0o700)
    home.credentials.write_text(
        f"[Bob]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n  [x]\n"
    )
    home.credentials.chmod(0o600)
    start = files(home)
    refused = run(capsys, "protect", "Bob")
    assert refused.code == 2, refused.err
    assert "aws_secret_access_key contains a line break" in refused.err
    assert SECRET not in refused.err
    assert files(home) == start
    assert memory.items == {}

    home.credentials.write_text(f"[Bob]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n")
    assert run(capsys, "protect", "Bob").code == 0
    user = vault.item_user(home.paths, "Bob")
    keys = {"Version": 1, "aws_access_key_id": KEY_ID, "aws_secret_access_key": SECRET + "\n[x]"}
    memory.items[(vault.SERVICE, user)] = json.dumps(keys)
    protected = files(home)
    failed = run(capsys, "unprotect", "Bob")
    assert failed.code == 4, failed.err
    assert "is not an access key written by profiles" in failed.err
    assert files(home) == protected


def writes_meanwhile(home: Home, monkeypatch: pytest.MonkeyPatch, times: int) -> None:
    """Another program appends a profile to the config file each time one of the first ``times``
    new texts (journal or file) is on disk and about to replace its file."""
    real_fchmod = os.fchmod
    writes: list[int] = []

    def fchmod(fd: int, mode: int) -> None:
        real_fchmod(fd, mode)
        if len(writes) < times and os.fstat(fd).st_size > 0:  # a new text, not a lock file
            writes.append(1)
            with home.config.open("a") as stream:
                stream.write(f"\n[profile other{len(writes)}]\nregion = us-east-1\n")

    monkeypatch.setattr(os, "fchmod", fchmod)


def test_a_protect_another_program_interrupts_is_applied_again_with_one_item(
    home: Home, memory: MemoryKeyring, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    plain_bob(home, capsys)
    writes_meanwhile(home, monkeypatch, 1)
    done = run(capsys, "protect", "Bob")
    assert done.code == 0, done.err
    assert item(memory, home) == {"Version": 1, "aws_access_key_id": KEY_ID, "aws_secret_access_key": SECRET}
    assert list(memory.items) == [(vault.SERVICE, vault.item_user(home.paths, "Bob"))]
    snapshot = store.load(home.paths)
    assert snapshot.profile("other1") is not None  # the other program's write is kept
    bob = snapshot.profile("Bob")
    assert bob is not None
    assert bob.get("credential_process") == "profiles credential-process Bob --from-keyring"
    assert SECRET.encode() not in on_disk(home)


@pytest.mark.parametrize("command", [("protect", "Bob"), ("rename", "Bob", "Robert")])
def test_a_keyring_edit_another_program_keeps_interrupting_leaves_the_keyring_as_it_was(
    command: tuple[str, ...],
    home: Home,
    memory: MemoryKeyring,
    key_json: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each attempt starts from the keyring as it was: after the last one, nothing is left over."""
    if command[0] == "protect":
        plain_bob(home, capsys)
    else:
        keyring_bob(key_json, capsys)
    items = dict(memory.items)
    credentials = files(home)[1]
    writes_meanwhile(home, monkeypatch, 100)
    failed = run(capsys, *command)
    assert failed.code == 4, failed.err
    assert f"changed by another program {store.EDIT_ATTEMPTS} times" in failed.err
    assert memory.items == items
    assert files(home)[1] == credentials
    assert f"other{store.EDIT_ATTEMPTS}" in home.config.read_text()


# --------------------------------------------------------------------------- MFA sessions


def test_an_mfa_session_is_made_once_and_served_from_the_keyring(
    home: Home,
    memory: MemoryKeyring,
    key_json: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from moto import mock_aws

    from awsprofiles import sessions

    assert run(capsys, "add-user", "Bob", "--keyring", "--mfa-serial", MFA, "--from-json", str(key_json),
               "--region", "eu-west-1", "--no-check").code == 0  # fmt: skip
    monkeypatch.setenv(sessions.NO_PROMPT, "1")
    refused = run(capsys, "credential-process", "Bob", "--from-keyring")
    assert refused.code == 1
    assert refused.err.endswith("[mfa-required]\n")
    assert "profiles whoami Bob" in refused.err
    assert refused.out == ""
    with mock_aws():
        made = run(capsys, "credential-process", "Bob", "--from-keyring", "--mfa-code", "123456",
                   "--session-duration", "3600")  # fmt: skip
        assert made.code == 0, made.err
        first = json.loads(made.out)
        assert first["SessionToken"]
        assert first["Expiration"]
        kept = vault.read_session(home.paths, "Bob")
        assert kept is not None
        assert kept.source_key_id == KEY_ID
        assert kept.mfa_serial == MFA
        again = run(capsys, "credential-process", "Bob", "--from-keyring")  # no code, no prompt
        assert again.code == 0, again.err
        assert json.loads(again.out) == first
    # a session that is about to expire is not served
    soon = vault.Session(kept.access_key_id, kept.secret_access_key, kept.session_token,
                         kept.expiration.replace(year=2000), KEY_ID, MFA)  # fmt: skip
    vault.write_session(home.paths, "Bob", soon)
    assert run(capsys, "credential-process", "Bob", "--from-keyring").code == 1


def test_check_reports_a_keyring_source_without_a_session_as_mfa_required(
    home: Home, memory: MemoryKeyring
) -> None:
    from botocore.exceptions import CredentialRetrievalError

    from awsprofiles.aws.errors import classify

    ours = CredentialRetrievalError(
        provider="custom-process", error_msg="error: profile 'Bob' needs a code ... [mfa-required]\n"
    )
    assert classify(ours, "example-role").code == "mfa-required"
    foreign = CredentialRetrievalError(provider="custom-process", error_msg=f"token {SECRET} expired [other]")
    failed = classify(foreign, "p")
    assert failed.code == "no-credentials"
    assert SECRET not in failed.message


# --------------------------------------------------------------------------- onboard --keyring


def test_onboard_keyring_keeps_the_source_key_in_the_keyring_and_roles_need_no_mfa_of_their_own(
    home: Home, memory: MemoryKeyring, key_json: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = tmp_path / "team.toml"
    manifest.write_text(
        f'[source]\nprofile = "Bob"\nregion = "eu-west-1"\nmfa_serial = "{MFA}"\nkeyring = true\n\n'
        f'[[roles]]\nprofile = "example-role"\nrole_arn = "{ROLE_ARN}"\n'
    )
    done = run(capsys, "onboard", str(manifest), "--from-json", str(key_json), "--no-check")
    assert done.code == 0, done.err
    assert "the keyring" in done.err
    snapshot = store.load(home.paths)
    bob, role = snapshot.profile("Bob"), snapshot.profile("example-role")
    assert bob is not None
    assert role is not None
    assert bob.kind is model.Kind.KEYRING
    assert bob.get("mfa_serial") == MFA
    assert role.get("mfa_serial") is None  # the source's MFA session carries it
    assert item(memory, home) is not None
    assert SECRET.encode() not in on_disk(home)
    again = run(capsys, "onboard", str(manifest), "--no-check")
    assert again.code == 0
    assert "no changes" in again.err


def test_onboard_keyring_with_the_key_the_keyring_already_holds_keeps_its_item(
    home: Home, memory: MemoryKeyring, key_json: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = tmp_path / "team.toml"
    manifest.write_text('[source]\nprofile = "Bob"\nregion = "eu-west-1"\nkeyring = true\n')
    assert run(capsys, "onboard", str(manifest), "--from-json", str(key_json), "--no-check").code == 0
    kept = item(memory, home)
    assert kept is not None
    # Something else changes, and the same key is given again: the item that holds it stays.
    manifest.write_text('[source]\nprofile = "Bob"\nregion = "eu-west-2"\nkeyring = true\n')
    again = run(capsys, "onboard", str(manifest), "--from-json", str(key_json), "--yes", "--no-check")
    assert again.code == 0, again.err
    assert item(memory, home) == kept
    bob = store.load(home.paths).profile("Bob")
    assert bob is not None
    assert (bob.kind, bob.get("region")) == (model.Kind.KEYRING, "eu-west-2")


def test_onboard_keyring_moves_an_existing_plaintext_key_into_the_keyring(
    home: Home, memory: MemoryKeyring, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain_bob(home, capsys)
    manifest = tmp_path / "team.toml"
    manifest.write_text(f'[source]\nprofile = "Bob"\n\n[[roles]]\nprofile = "r"\nrole_arn = "{ROLE_ARN}"\n')
    refused = run(capsys, "onboard", str(manifest), "--keyring", "--no-check")
    assert refused.code == 3  # Bob changes: only with --yes
    assert memory.items == {}
    done = run(capsys, "onboard", str(manifest), "--keyring", "--yes", "--no-check")
    assert done.code == 0, done.err
    assert item(memory, home) == {"Version": 1, "aws_access_key_id": KEY_ID, "aws_secret_access_key": SECRET}
    assert home.credentials.read_bytes() == b"# keys of other tools\n"


def test_check_forbids_mfa_prompts_only_while_it_runs(
    home: Home, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from awsprofiles import sessions

    monkeypatch.delenv(sessions.NO_PROMPT, raising=False)
    home.config.parent.mkdir(parents=True)
    home.config.write_text("[profile p]\ncredential_process = false\n")
    assert run(capsys, "check", "p").code == 1
    assert sessions.NO_PROMPT not in os.environ  # later commands of this process may ask


def test_checks_credential_processes_are_told_not_to_prompt(
    home: Home, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from awsprofiles import check, sessions

    monkeypatch.delenv(sessions.NO_PROMPT, raising=False)
    home.config.parent.mkdir(parents=True)
    # Succeeds (with no output: process-bad-output) only when told not to prompt.
    home.config.write_text(f"[profile p]\ncredential_process = sh -c 'test \"${sessions.NO_PROMPT}\" = 1'\n")
    [result] = check.check_profiles(home.paths, ["p"])
    assert result.error == "process-bad-output", result.message


# --------------------------------------------------------------------------- aws_security_token

LEGACY_TOKEN = "LegacySecurityTokenBotocoreReadsFirst0001"
NEWER_TOKEN = "SessionTokenBotocoreReadsOnlyWithoutIt002"


@pytest.mark.parametrize(
    "tokens",
    [
        {"aws_security_token": LEGACY_TOKEN},
        {"aws_security_token": LEGACY_TOKEN, "aws_session_token": NEWER_TOKEN},
    ],
)
def test_protect_keeps_an_aws_security_token_like_a_session_token_and_serves_the_one_botocore_reads(
    tokens: dict[str, str],
    home: Home,
    memory: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import botocore.session

    from awsprofiles import sessions

    home.credentials.parent.mkdir(parents=True)
    home.config.write_text("[profile Bob]\nregion = eu-west-1\n")
    lines = [f"{key} = {value}\n" for key, value in tokens.items()]
    home.credentials.write_text(
        f"[Bob]\naws_access_key_id = ASIAIOSFODNN7EXAMPLE\naws_secret_access_key = {SECRET}\n{''.join(lines)}"
    )
    botocore_reads = botocore.session.Session(profile="Bob").get_credentials().token
    start = files(home)

    protected = run(capsys, "protect", "Bob")
    assert protected.code == 0, protected.err
    assert item(memory, home) == {
        "Version": 1,
        "aws_access_key_id": "ASIAIOSFODNN7EXAMPLE",
        "aws_secret_access_key": SECRET,
        **tokens,
    }
    for secret in (SECRET, *tokens.values()):
        assert secret.encode() not in on_disk(home)
        assert secret not in protected.out + protected.err

    served = run(capsys, "credential-process", "Bob", "--from-keyring")
    assert served.code == 0, served.err
    assert json.loads(served.out)["SessionToken"] == botocore_reads
    # the console script's fast path, reading the same item
    user = vault.item_user(home.paths, "Bob")
    monkeypatch.setattr(vault, "fast_get", lambda wanted: memory.items.get((vault.SERVICE, wanted)))
    assert sessions.serve_cached(["Bob", "--from-keyring"]) == 0
    assert json.loads(capsys.readouterr().out)["SessionToken"] == botocore_reads
    assert (vault.SERVICE, user) in memory.items

    assert run(capsys, "unprotect", "Bob").code == 0
    assert files(home) == start
    assert memory.items == {}


def test_protect_and_unprotect_diffs_show_control_characters_escaped(
    home: Home, memory: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    plain_bob(home, capsys)
    # Next to Bob's section, so that both diffs show it as context.
    home.credentials.write_text(home.credentials.read_text() + "[evil\x1b[2J]\nregion = eu-west-1\n")
    for verb in ("protect", "unprotect"):
        dry = run(capsys, verb, "Bob", "--dry-run")
        assert dry.code == 0, dry.err
        assert "[evil\\x1b[2J]" in dry.out
        assert "\x1b" not in dry.out + dry.err
        assert run(capsys, verb, "Bob").code == 0


def test_protect_refuses_a_secret_on_more_than_one_line_and_changes_nothing(
    home: Home, memory: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    home.credentials.parent.mkdir(parents=True)
    home.credentials.write_text(
        f"[Bob]\naws_access_key_id = ASIAIOSFODNN7EXAMPLE\naws_secret_access_key = {SECRET}\n"
        "aws_session_token = TokenFirstLine0001\n    TokenSecondLine0002\n"
    )
    start = files(home)
    for argv in (["Bob"], ["--all"]):
        refused = run(capsys, "protect", *argv)
        assert refused.code == 2
        assert "aws_session_token" in refused.err
        assert "Token" not in refused.err.replace("aws_session_token", "")
        assert files(home) == start
        assert memory.items == {}


@pytest.mark.parametrize(
    "extra",
    [["--session-duration", "5"], ["--session-duration=x"], ["--mfa-code", "abc"], ["--config-file="]],
)
def test_the_fast_path_leaves_what_the_full_command_refuses_to_it(
    extra: list[str],
    home: Home,
    memory: MemoryKeyring,
    key_json: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from awsprofiles import sessions

    keyring_bob(key_json, capsys)
    monkeypatch.setattr(vault, "fast_get", lambda wanted: memory.items.get((vault.SERVICE, wanted)))
    assert sessions.serve_cached(["Bob", "--from-keyring"]) == 0  # served as it is
    capsys.readouterr()
    assert sessions.serve_cached(["Bob", "--from-keyring", *extra]) is None
    assert capsys.readouterr().out == ""
    refused = run(capsys, "credential-process", "Bob", "--from-keyring", *extra)
    assert refused.code in (2, 4), refused


def test_a_rotation_deletes_the_mfa_session_the_old_key_made(
    home: Home, memory: MemoryKeyring, key_json: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import UTC, datetime, timedelta

    from awsprofiles import rotate
    from awsprofiles.aws.iam import KeyPair

    keyring_bob(key_json, capsys)
    later = datetime.now(UTC) + timedelta(hours=1)
    kept = vault.Session("ASIAKEPTKEPTKEPT0001", "kept-secret", "kept-token", later, KEY_ID, MFA)
    vault.write_session(home.paths, "Bob", kept)
    assert vault.read_session(home.paths, "Bob") is not None
    holders = rotate.plan(home.paths, "Bob").holders
    rotate._write_key(home.paths, holders, KEY_ID, KeyPair("AKIANEWNEWNEWNEW0001", "new-secret"))
    assert vault.read_session(home.paths, "Bob") is None
    assert item(memory, home)["aws_access_key_id"] == "AKIANEWNEWNEWNEW0001"


def test_the_fast_path_reads_an_option_that_takes_the_word_from_keyring_as_the_cli_does(
    home: Home,
    memory: MemoryKeyring,
    key_json: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """``--config-file --from-keyring`` names a file called --from-keyring (click's reading): no
    keyring request, so the fast path must not serve Bob's keyring item for it."""
    from awsprofiles.entry import serve_fast

    keyring_bob(key_json, capsys)
    monkeypatch.setattr(vault, "fast_get", lambda wanted: memory.items.get((vault.SERVICE, wanted)))
    monkeypatch.chdir(tmp_path)
    # In that file Bob is a role: the CLI assumes it, it does not print Bob's key.
    role = f"[profile Bob]\nrole_arn = {ROLE_ARN}\nsource_profile = Bob\n"
    (tmp_path / model.FROM_KEYRING).write_text(role)
    argv = ["credential-process", "Bob", "--config-file", model.FROM_KEYRING]
    assert serve_fast(argv) is None
    assert capsys.readouterr().out == ""


# --------------------------------------------------------------------------- hostile items


DEEP = "[" * 200_000 + "]" * 200_000


def key_item(**keys: object) -> str:
    return json.dumps({"Version": 1, "aws_access_key_id": KEY_ID, "aws_secret_access_key": SECRET, **keys})


BAD_KEY_ITEMS = {
    "nested": DEEP,
    "huge": key_item(aws_secret_access_key="x" * 50_000_000),
    "nul": key_item(aws_access_key_id="AKIA\u0000X", aws_secret_access_key="s\u0000ecret"),
    "control in secret": key_item(aws_secret_access_key="s\u001bcret"),
    "add-user refuses the ID": key_item(aws_access_key_id="short"),
    "add-user refuses the secret": key_item(aws_secret_access_key="a b"),
    "token of another type": key_item(aws_session_token=1),
    "token with a NUL": key_item(aws_session_token="t\u0000"),
}


@pytest.mark.parametrize("text", BAD_KEY_ITEMS.values(), ids=BAD_KEY_ITEMS.keys())
def test_decode_key_refuses_an_item_add_user_would_not_have_written(text: str) -> None:
    with pytest.raises(vault.FileProblem, match="is not an access key written by profiles") as raised:
        vault.decode_key(text, "u")
    assert "ecret" not in raised.value.message


def test_decode_key_takes_what_encode_key_wrote() -> None:
    keys = {"aws_access_key_id": KEY_ID, "aws_secret_access_key": SECRET, "aws_session_token": "T/o+k=="}
    assert vault.decode_key(vault.encode_key(keys), "u") == keys


# env runs the credential_process in a child, which reads the real keyring: tests/e2e/test_keyring_e2e.py
@pytest.mark.parametrize("command", [["credential-process", "Bob", "--from-keyring"], ["unprotect", "Bob"],
                                     ["rotate-keys", "Bob", "--yes"]])  # fmt: skip
@pytest.mark.parametrize("text", [BAD_KEY_ITEMS["nested"], BAD_KEY_ITEMS["nul"]], ids=["nested", "nul"])
def test_every_reader_of_a_hostile_key_item_says_it_is_not_a_key_and_exits_4(
    home: Home,
    memory: MemoryKeyring,
    key_json: Path,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
    text: str,
) -> None:
    keyring_bob(key_json, capsys)
    memory.items[(vault.SERVICE, vault.item_user(home.paths, "Bob"))] = text
    protected = files(home)
    failed = run(capsys, *command)
    assert failed.code == 4, failed.err
    assert failed.err.startswith("error: the keyring item ")
    assert "is not an access key written by profiles" in failed.err
    assert "\x00" not in failed.err
    assert "AKIA" not in failed.err
    assert files(home) == protected


SESSION = {
    "Version": 1,
    "AccessKeyId": "ASIAIOSFODNN7EXAMPLE",
    "SecretAccessKey": "session-secret",
    "SessionToken": "session-token",
    "Expiration": "9999-12-31T23:59:59Z",
    "SourceAccessKeyId": KEY_ID,
    "MfaSerial": MFA,
}
BAD_SESSIONS = {
    "nested": DEEP,
    "huge": json.dumps({**SESSION, "SessionToken": "x" * 50_000_000}),
    "wrong types": json.dumps(
        {**SESSION, "AccessKeyId": 123, "SecretAccessKey": [1], "SessionToken": {"a": 1}}
    ),
    "NUL in the key ID": json.dumps({**SESSION, "AccessKeyId": "ASIA\u0000X"}),
    "line break in the token": json.dumps({**SESSION, "SessionToken": "a\nb"}),
    "another version": json.dumps({**SESSION, "Version": 2}),
    "expiration a number": json.dumps({**SESSION, "Expiration": 99999999999}),
}


def test_session_decode_takes_what_encode_wrote() -> None:
    session = vault.Session.decode(json.dumps(SESSION))
    assert session is not None
    assert vault.Session.decode(session.encode()) == session


@pytest.mark.parametrize("text", BAD_SESSIONS.values(), ids=BAD_SESSIONS.keys())
def test_a_hostile_session_item_is_no_session_and_a_new_one_is_made(
    home: Home,
    memory: MemoryKeyring,
    key_json: Path,
    capsys: pytest.CaptureFixture[str],
    text: str,
) -> None:
    from moto import mock_aws

    assert vault.Session.decode(text) is None
    assert run(capsys, "add-user", "Bob", "--keyring", "--mfa-serial", MFA, "--from-json", str(key_json),
               "--region", "eu-west-1", "--no-check").code == 0  # fmt: skip
    memory.items[(vault.SERVICE, vault.session_user(home.paths, "Bob"))] = text
    with mock_aws():
        made = run(capsys, "credential-process", "Bob", "--from-keyring", "--mfa-code", "123456")
    assert made.code == 0, made.err
    served = json.loads(made.out)
    assert served["AccessKeyId"] not in ("123", SESSION["AccessKeyId"])
    kept = vault.read_session(home.paths, "Bob")
    assert kept is not None
    assert kept.access_key_id == served["AccessKeyId"]
