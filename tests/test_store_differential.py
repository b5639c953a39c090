"""Differential test: generated messy files x generated edits, judged by botocore itself.

Every command either refuses (exit 2, 3 or 4) and leaves both files byte for byte, or succeeds
(exit 0) and then botocore's own loading of the two files shows exactly the intended change,
every section the command had no business touching is kept byte for byte, and no temporary
file or journal is left behind. Never a traceback, never ``error: unexpected ...``.

The commands are set, unset, remove, rename, add-user (also with --keyring), add-role, add-sso
and protect (followed by unprotect, which must give botocore back the profile as it was), with
an in-memory keyring: a refused command leaves it empty, a keyring command leaves exactly the
item its profile's credential_process serves.

The files mix what real files hold and what botocore reads in surprising ways: ``[DEFAULT]``
(inherited by every section), ``[profile "x"]``, ``[profile  x]``, ``[profile\\tx]``, the default
profile in several spellings, tabs, indented headers and options, continuation lines and nested
values, comments between sections, CRLF, mixed line endings (\\r\\n, \\n and \\r in one file), no
final newline.
"""

from __future__ import annotations

import configparser
import contextlib
import io
import os
import re
import shlex
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import botocore.configloader
import botocore.exceptions
import keyring.core
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awsprofiles import model, store, vault
from awsprofiles.cli import main
from awsprofiles.errors import FileProblem
from awsprofiles.model import Kind
from tests.test_keyring import MemoryKeyring

ROLE_ARN = "arn:aws:iam::123456789012:role/Deployer"
KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SECRET_KEYS = {"aws_secret_access_key", "aws_session_token"}
KEYRING_KEYS = {"aws_access_key_id", *SECRET_KEYS}
VAULT_KEYS = ("aws_access_key_id", "aws_secret_access_key")
START_URL = "https://acme.awsapps.com/start"
#: The session add-sso makes for START_URL: the generated files never hold one for it.
SSO_SESSION = "acme"
#: What add-sso removes from a profile it turns into an SSO profile.
NOT_SSO_KEYS = {"role_arn", "source_profile", "credential_source", "credential_process", *KEYRING_KEYS}

# Names the files hold and the commands use: the default profile, names that differ only in
# case, a name with a space (it needs quotes in a config header), and [DEFAULT]'s own name.
NAMES = ["default", "dev", "Dev", "prod", "a b", "DEFAULT"]
COMMAND_NAMES = [*NAMES, "new"]
VALUES = {
    "region": ["eu-west-1", "us-east-1"],
    "output": ["json", "text"],
    "role_arn": [ROLE_ARN],
    "source_profile": NAMES,
    "credential_source": ["Environment"],
    "aws_access_key_id": [KEY_ID, "AKIAZZZZZZZZZZZZZZZZ"],
    "aws_secret_access_key": [SECRET],
    "aws_session_token": ["FwoGZXIvYXdzEXAMPLE"],
    "custom_key": ["1", "two words"],
}
FILE_KEYS = list(VALUES)
#: What decides how botocore finds a profile's credentials (its provider, its key, its source).
CREDENTIAL_SETTINGS = {
    "aws_access_key_id", "aws_secret_access_key", "aws_session_token", "aws_security_token", "role_arn",
    "source_profile", "credential_source", "web_identity_token_file", "credential_process", "sso_session",
    "sso_start_url", "sso_account_id", "sso_role_name", "sso_region",
}  # fmt: skip

# --------------------------------------------------------------------------- generated files


def _quoted(name: str) -> str:
    return f'"{name}"'


@st.composite
def config_header(draw: st.DrawFn) -> str:
    kind = draw(
        st.sampled_from(
            ["profile", "profile", "profile", "default", "default", "DEFAULT", "DEFAULT", "other"]
        )
    )
    if kind == "default":
        return "default"
    if kind == "DEFAULT":
        return "DEFAULT"
    if kind == "other":
        return draw(st.sampled_from(["sso-session corp", "services local", "preview", "plugins"]))
    name = draw(st.sampled_from([*NAMES, "default"]))
    spelling = draw(
        st.sampled_from(["profile {}", "profile {}", "profile  {}", "profile\t{}", "profile {q}"])
    )
    if " " in name and spelling != "profile {q}":
        spelling = draw(st.sampled_from(["profile {q}", "profile {}"]))  # unquoted: botocore ignores it
    return spelling.format(name, q=_quoted(name))


credentials_header = st.sampled_from([*NAMES, "default", "DEFAULT", "DEFAULT"])


@st.composite
def body(draw: st.DrawFn, role: str) -> list[str]:
    """The lines of a section after its header (without line endings)."""
    lines: list[str] = []
    used: set[str] = set()

    def fresh(*keys: str) -> bool:
        """Mostly no key twice: a duplicate key makes the file unreadable (exit 4), a case
        worth trying now and then, not in most examples."""
        if used.isdisjoint(keys) or draw(st.integers(0, 9)) == 0:
            used.update(keys)
            return True
        return False

    key_pair = [f"aws_access_key_id = {KEY_ID}", f"aws_secret_access_key = {SECRET}"]
    if role == "credentials" and draw(st.booleans()) and fresh(*VAULT_KEYS):
        lines += key_pair  # what most credentials sections hold
    for _ in range(draw(st.integers(0, 4))):
        what = draw(st.sampled_from(["option", "option", "option", "comment", "blank", "nested", "key pair"]))
        if what == "comment":
            lines.append(draw(st.sampled_from(["# a comment", "; another", "  # indented comment"])))
        elif what == "blank":
            lines.append("")
        elif what == "nested" and fresh("s3"):
            lines += ["s3 =", "    max_concurrent_requests = 10", "\taddressing_style = path"]
        elif what == "key pair" and fresh(*VAULT_KEYS):
            lines += key_pair
        elif what == "option":
            key = draw(st.sampled_from(FILE_KEYS))
            if not fresh(key):
                continue
            value = draw(st.sampled_from(VALUES[key]))
            if draw(st.booleans()) and key == "custom_key":
                key = "Custom_Key"  # keys are case-insensitive
            separator = draw(st.sampled_from([" = ", "=", ": ", " =  ", "\t=\t"]))
            indent = draw(st.sampled_from(["", "", "", "\t", "  "]))
            lines.append(f"{indent}{key}{separator}{value}")
            if draw(st.integers(0, 5)) == 0:
                lines.append("    continued")  # a continuation line: the value spans two lines
    return lines


@st.composite
def ini_text(draw: st.DrawFn, role: str) -> str:
    lines: list[str] = []
    lines += draw(st.lists(st.sampled_from(["# ~/.aws file", "", "; generated"]), max_size=2))
    header = config_header() if role == "config" else credentials_header
    used: set[str] = set()
    for _ in range(draw(st.integers(0, 5))):
        name = draw(header)
        if name in used and draw(st.integers(0, 9)) != 0:
            continue  # a duplicate section makes the file unreadable: only now and then
        used.add(name)
        indent = draw(st.sampled_from(["", "", "", "  ", "\t"]))
        trailer = draw(st.sampled_from(["", "", "", "  ", " # note"]))
        lines.append(f"{indent}[{name}]{trailer}")
        lines += draw(body(role))
        if draw(st.booleans()):
            lines += draw(st.sampled_from([[""], ["", "# about the next one"], ["# no blank line"]]))
    style = draw(st.sampled_from(["\n", "\n", "\r\n", "mixed"]))
    if style == "mixed":  # botocore reads any of them as a line break (universal newlines)
        endings = draw(
            st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=len(lines), max_size=len(lines))
        )
    else:
        endings = [style] * len(lines)
    text = "".join(line + ending for line, ending in zip(lines, endings, strict=True))
    if lines and draw(st.integers(0, 3)) == 0:
        text = text.rstrip("\r\n") if text.strip() else text  # now and then, no final newline
    return text


# --------------------------------------------------------------------------- generated commands


@dataclass(frozen=True)
class Command:
    argv: tuple[str, ...]
    verb: str
    name: str
    key: str = ""
    value: str = ""
    new: str = ""
    force: bool = False
    stdin: str | None = None
    keyring: bool = False
    #: protect: the profiles it protects (with --all, filled in once the files are known)
    names: tuple[str, ...] = ()


@st.composite
def command(draw: st.DrawFn) -> Command:
    verb = draw(
        st.sampled_from(["set", "unset", "remove", "rename", "add-user", "add-role", "add-sso", "protect"])
    )
    name = draw(st.sampled_from([*COMMAND_NAMES, "default"]))
    force = draw(st.booleans())
    if verb == "set":
        key = draw(
            st.sampled_from(
                [
                    "region",
                    "output",
                    "custom_key",
                    "source_profile",
                    "role_arn",
                    "aws_access_key_id",
                    "credential_source",
                ]
            )
        )
        value = draw(st.sampled_from(VALUES[key]))
        create = ["--create"] if force else []
        return Command(("set", *create, name, key, value), verb, name, key, value, force=force)
    if verb == "unset":
        key = draw(st.sampled_from([*FILE_KEYS, "s3", "region", "output"]))
        return Command(("unset", name, key), verb, name, key)
    if verb == "remove":
        return Command(("remove", name, *(["--force"] if force else [])), verb, name, force=force)
    if verb == "rename":
        new = draw(st.sampled_from(COMMAND_NAMES))
        return Command(("rename", name, new), verb, name, new=new)
    if verb == "protect":
        if draw(st.booleans()):
            return Command(("protect", "--all"), verb, "")
        return Command(("protect", name), verb, name, names=(name,))
    region = draw(st.sampled_from([None, "eu-west-1", "us-east-1"]))
    options = [*(["--force"] if force else []), *(["--region", region] if region else [])]
    if verb == "add-user":
        keyring = draw(st.booleans())
        options += ["--keyring"] if keyring else []
        argv = ("add-user", "--no-check", name, "--access-key-id", KEY_ID, "--secret-stdin", *options)
        return Command(
            argv, verb, name, "region", region or "", force=force, stdin=SECRET + "\n", keyring=keyring
        )
    if verb == "add-sso":
        argv = ("add-sso", name, "--start-url", START_URL, "--sso-region", "eu-west-1", "--account",
                "111111111111", "--role-name", "Dev", *options)  # fmt: skip
        return Command(argv, verb, name, "region", region or "", force=force)
    source = draw(st.sampled_from(NAMES))
    argv = ("add-role", "--no-check", name, "--role-arn", ROLE_ARN, "--source", source, *options)
    return Command(argv, verb, name, "region", region or "", new=source, force=force)


# --------------------------------------------------------------------------- botocore's view

Views = dict[str, dict[str, object]]


def botocore_view(paths: store.Paths) -> Views | None:
    """Every profile as botocore.session.Session.full_config merges them; None: unreadable."""
    try:
        try:
            profiles: Views = botocore.configloader.load_config(str(paths.config))["profiles"]
        except botocore.exceptions.ConfigNotFound:
            profiles = {}
        try:
            credentials = botocore.configloader.raw_config_parse(str(paths.credentials))
        except botocore.exceptions.ConfigNotFound:
            credentials = {}
    except botocore.exceptions.ConfigParseError:
        return None
    for name, values in credentials.items():
        profiles.setdefault(name, {}).update(values)
    for values in profiles.values():
        process = values.get("credential_process")
        if isinstance(process, str) and "--from-keyring" in process:
            values["credential_process"] = keyring_process(model.profiles_process_target(process) or "")
    return profiles


def keyring_process(name: str) -> str:
    """How the views spell a credential_process that serves ``name``'s keyring item (the line
    itself names the files and the program, which this test does not care about)."""
    return f"<keyring {name}>"


def sso_sessions(paths: store.Paths) -> Views:
    try:
        return dict(botocore.configloader.load_config(str(paths.config))["sso_sessions"])
    except botocore.exceptions.ConfigNotFound:
        return {}


def files_of(paths: store.Paths) -> tuple[Path, Path]:
    return Path(paths.config), Path(paths.credentials)


def defaults_of(path: str) -> dict[str, object]:
    """[DEFAULT]'s values, nested ones parsed as botocore parses them."""
    parser = configparser.RawConfigParser()
    if os.path.exists(path):
        parser.read(path, encoding="utf-8")
    values: dict[str, object] = {}
    for key, value in parser.defaults().items():
        if value.startswith("\n"):
            lines = [line.split("=", 1) for line in value.splitlines() if line.strip()]
            values[key] = {name.strip(): nested.strip() for name, nested in lines}
        else:
            values[key] = value
    return values


def profile_of_section(role: str, section: str) -> str | None:
    """botocore.configloader.build_profile_map's rule, for one header."""
    if role == "credentials":
        return section
    if section == "default":
        return "default"
    if not section.startswith("profile"):
        return None
    try:
        parts = shlex.split(section)
    except ValueError:
        return None
    return parts[1] if len(parts) == 2 else None


# --------------------------------------------------------------------------- the oracle


@dataclass
class Run:
    code: int
    out: str
    err: str


def run(paths: store.Paths, argv: tuple[str, ...], stdin: str | None = None) -> Run:
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = io.StringIO(stdin or "")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(
                [*argv, "--config-file", str(paths.config), "--credentials-file", str(paths.credentials)]
            )
    finally:
        sys.stdin = saved
    return Run(code, out.getvalue(), err.getvalue())


def intended(
    before: Views, cmd: Command, defaults: list[dict[str, object]] | None = None
) -> tuple[Views, set[str], set[str]]:
    """What botocore should see after ``cmd`` succeeds: every profile, the profiles it creates,
    and the keys the edited profile must not have.

    A profile that did not exist before may also inherit [DEFAULT]'s values: that is what
    [DEFAULT] means. Every other profile must read exactly as before, but for the change.
    """
    after = {name: dict(values) for name, values in before.items()}
    created: set[str] = set()
    absent = {
        "add-user": KEYRING_KEYS if cmd.keyring else {"aws_session_token"},
        "add-role": {"credential_source"},
        "add-sso": NOT_SSO_KEYS | {"sso_start_url", "sso_region"},
        "protect": KEYRING_KEYS,
    }.get(cmd.verb, set())
    if cmd.verb in ("set", "add-user", "add-role", "add-sso"):
        if cmd.name not in after:
            created.add(cmd.name)
        values = after.setdefault(cmd.name, {})
        if cmd.verb == "set":
            values[cmd.key] = cmd.value
        elif cmd.verb == "add-user" and cmd.keyring:
            for key in KEYRING_KEYS:
                values.pop(key, None)
            values["credential_process"] = keyring_process(cmd.name)
        elif cmd.verb == "add-user":
            values.update(aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET)
            values.pop("aws_session_token", None)
        elif cmd.verb == "add-sso":
            for key in absent:
                values.pop(key, None)
            values.update(sso_session=SSO_SESSION, sso_account_id="111111111111", sso_role_name="Dev")
        else:
            values.update(role_arn=ROLE_ARN, source_profile=cmd.new)
            values.pop("credential_source", None)
            source_region = before.get(cmd.new or "", {}).get("region")
            single_line = (
                isinstance(source_region, str) and "\n" not in source_region and "\r" not in source_region
            )
            config_default_region = bool(defaults) and defaults[0].get("region") is not None
            if not cmd.value and "region" not in values and single_line and not config_default_region:
                # A new role gets its source's region (model.new_role_region), as botocore reads
                # it, unless it has one or [DEFAULT] gives it one (then it reads that one).
                values["region"] = source_region
        if cmd.verb != "set" and cmd.value:
            values["region"] = cmd.value
    elif cmd.verb == "unset":
        after[cmd.name].pop(cmd.key, None)
        absent = {cmd.key}
    elif cmd.verb == "protect":
        for name in cmd.names:
            for key in KEYRING_KEYS:
                after[name].pop(key, None)
            after[name]["credential_process"] = keyring_process(name)
    elif cmd.verb == "remove":
        del after[cmd.name]
    elif cmd.verb == "rename":
        after[cmd.new] = after.pop(cmd.name)
        for values in after.values():
            if values.get("source_profile") == cmd.name:
                values["source_profile"] = cmd.new
    return after, created, absent


def assert_views(
    before: Views, after: Views, cmd: Command, defaults: list[dict[str, object]], err: str
) -> None:
    """botocore reads every profile as intended; a profile may read more than was asked for
    only from [DEFAULT], only values that do not change how its credentials are found, and only
    when the command said so on stderr, naming [DEFAULT]."""
    expected, _, absent = intended(before, cmd, defaults)
    for name in cmd.names or (cmd.name,):
        if name in after:
            assert not absent & set(after[name]), f"{sorted(absent)} still read for {name!r}"
    assert set(after) == set(expected), f"profiles {sorted(after)} != intended {sorted(expected)}"
    for name, values in expected.items():
        asked = {key: after[name][key] for key in values if key in after[name]}
        assert asked == values, f"profile {name!r}: {after[name]} != intended {values}"
        extra = {key: value for key, value in after[name].items() if key not in values}
        if not extra:
            continue
        inherited = {
            key: value for key, value in extra.items() if any(found.get(key) == value for found in defaults)
        }
        assert extra == inherited, f"profile {name!r} got {sorted(extra)} not from [DEFAULT]"
        assert not CREDENTIAL_SETTINGS & set(extra), f"profile {name!r} inherits {sorted(extra)} silently"
        assert "[DEFAULT]" in err, f"profile {name!r} inherits {sorted(extra)} unsaid: {err}"
        assert repr(name) in err, f"profile {name!r} inherits {sorted(extra)} unsaid: {err}"


def _lines(text: str) -> list[str]:
    """The lines of ``text`` with their own endings, as botocore reads them: each ends at a
    \\r\\n, a \\r or a \\n (Python's universal newlines, which configparser reads through)."""
    return re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z", text)


def chunks_as_written(text: str) -> list[tuple[str | None, str]]:
    """``store.split_chunks``'s sections, each with its lines as written (their own endings)."""
    lines = _lines(text)
    normalized = "".join(
        line.rstrip("\r\n") + ("\n" if line.endswith(("\r", "\n")) else "") for line in lines
    )
    result = []
    start = 0
    for chunk in store.split_chunks(normalized):
        count = len(store.split_lines(chunk.text))
        result.append((chunk.section, "".join(lines[start : start + count])))
        start += count
    return result


def _trimmed(text: str, header: bool) -> str:
    """A chunk without the blank and comment lines that end it (they may move on a removal),
    and without its header's indentation (which means nothing, and goes when a removal would
    otherwise turn the header into the continuation of an option above it)."""
    lines = _lines(text)
    if header and lines:
        lines[0] = lines[0].lstrip(" \t")
    while lines and (not lines[-1].strip() or lines[-1].strip().startswith(("#", ";"))):
        lines.pop()
    return "".join(lines).rstrip("\r\n")  # a section that ended the file may gain a newline


def edited_profiles(before: Views, cmd: Command) -> set[str]:
    if cmd.verb != "rename":
        return set(cmd.names or (cmd.name,))
    referrers = {name for name, values in before.items() if values.get("source_profile") == cmd.name}
    return {cmd.name, cmd.new, *referrers}


def assert_untouched_sections_kept(role: str, old: bytes, new: bytes, edited: set[str]) -> None:
    """Every section outside the edit reads byte for byte as before, in the same order
    (an sso-session that add-sso created aside)."""
    old_chunks = chunks_as_written(old.decode())
    created = f"sso-session {SSO_SESSION}"
    new_chunks = [
        (section, text)
        for section, text in chunks_as_written(new.decode())
        if section != created or any(each == created for each, _ in old_chunks)
    ]
    kept_old = [
        (section, _trimmed(text, section is not None))
        for section, text in old_chunks
        if section is None or profile_of_section(role, section) not in edited
    ]
    kept_new = [
        (section, _trimmed(text, section is not None))
        for section, text in new_chunks
        if section is None or profile_of_section(role, section) not in edited
    ]
    assert kept_new == kept_old, "a section outside the edit changed"


# Memory-backed when the machine has it: each example fsyncs a few files, which a disk makes slow.
_SCRATCH = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None


@contextlib.contextmanager
def aws_files(config: str, credentials: str | None) -> Iterator[store.Paths]:
    with tempfile.TemporaryDirectory(dir=_SCRATCH) as root:
        folder = Path(root) / "aws"
        folder.mkdir(mode=0o700)
        (folder / "config").write_bytes(config.encode())
        if credentials is not None:
            (folder / "credentials").write_bytes(credentials.encode())
            (folder / "credentials").chmod(0o600)
        yield store.Paths(folder / "config", folder / "credentials")


@contextlib.contextmanager
def memory_keyring() -> Iterator[MemoryKeyring]:
    saved = keyring.core._keyring_backend
    keyring.core._keyring_backend = backend = MemoryKeyring()
    try:
        yield backend
    finally:
        keyring.core._keyring_backend = saved


def items_of(memory: MemoryKeyring, paths: store.Paths) -> dict[str, dict[str, str]]:
    """Profile name -> the keys of its item, for every item in the keyring."""
    found = {}
    for (service, user), text in memory.items.items():
        assert service == vault.SERVICE
        found[user.rpartition("#")[2]] = vault.decode_key(text, user)
        assert user == vault.item_user(paths, user.rpartition("#")[2])
    return found


def check_unprotect(paths: store.Paths, memory: MemoryKeyring, cmd: Command, before: Views) -> None:
    """unprotect after protect: botocore reads every profile as before protect, and the items
    are gone; or it is refused (a [DEFAULT] the keys would meet) and nothing changes."""
    protected = {path: path.read_bytes() if path.exists() else None for path in files_of(paths)}
    items = dict(memory.items)
    result = run(paths, ("unprotect", *(cmd.names if cmd.name else ["--all"])))
    assert result.code in (0, 3), result.err
    if result.code == 3:
        assert "[DEFAULT]" in result.err, result.err
        assert {path: path.read_bytes() if path.exists() else None for path in protected} == protected
        assert memory.items == items
        return
    assert botocore_view(paths) == before
    assert memory.items == {}


def check_command(config: str, credentials: str | None, cmd: Command) -> None:
    with aws_files(config, credentials) as paths, memory_keyring() as memory:
        before_bytes = {path: path.read_bytes() if path.exists() else None for path in files_of(paths)}
        before = botocore_view(paths)
        # What 'profiles list' shows (in-process, without the CLI: half the time of an example)
        try:
            profiles = store.load(paths).profiles()
            listed: list[str] | None = [profile.name for profile in profiles]
        except FileProblem:
            listed = None  # exit 4: a file profiles refuses to read
        if cmd.verb == "protect" and listed is not None and not cmd.name:  # --all
            cmd = replace(cmd, names=tuple(profile.name for profile in profiles if profile.kind is Kind.KEYS))
        if before is None:
            assert listed is None, "botocore cannot read the files, yet profiles reads them"
        elif listed is not None:
            assert listed == list(before)

        result = run(paths, cmd.argv, cmd.stdin)
        assert "unexpected" not in result.err, result.err
        assert "Traceback" not in result.err, result.err
        files = sorted(path.name for path in Path(paths.config).parent.iterdir())
        assert set(files) <= {"config", "credentials", "config.lock", "credentials.lock"}, files
        if result.code != 0:
            assert result.code in (2, 3, 4), (result.code, result.err)
            if result.code == 4:
                # Refusing to write is only right for a file profiles cannot read safely;
                # anything else means an edit came out differently than intended.
                assert listed is None, result.err
            after_bytes = {path: path.read_bytes() if path.exists() else None for path in before_bytes}
            assert after_bytes == before_bytes, f"exit {result.code} but the files changed"
            assert memory.items == {}, "refused, yet the keyring holds an item"
            return
        assert listed is not None, "exit 0 on files profiles refuses to read"
        assert before is not None
        after = botocore_view(paths)
        assert after is not None, "the edit left a file botocore cannot read"
        defaults = [defaults_of(paths.config), defaults_of(paths.credentials)]
        assert_views(before, after, cmd, defaults, result.err)
        if cmd.verb == "add-sso":
            assert (
                sso_sessions(paths)[SSO_SESSION].items()
                >= {"sso_start_url": START_URL, "sso_region": "eu-west-1"}.items()
            )
        edited = edited_profiles(before, cmd)
        for role, path in zip(("config", "credentials"), files_of(paths), strict=True):
            old, new = before_bytes[path], path.read_bytes() if path.exists() else None
            if old is not None and new is not None:
                assert_untouched_sections_kept(role, old, new, edited)
        for value in (SECRET, "FwoGZXIvYXdzEXAMPLE"):
            assert value not in result.out + result.err
        if cmd.verb == "protect":
            assert items_of(memory, paths) == {
                name: {key: value for key, value in before[name].items() if key in KEYRING_KEYS}
                for name in cmd.names
            }
            if cmd.names:
                check_unprotect(paths, memory, cmd, before)
        elif cmd.keyring:
            assert items_of(memory, paths) == {
                cmd.name: {"aws_access_key_id": KEY_ID, "aws_secret_access_key": SECRET}
            }
        else:
            assert memory.items == {}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    config=ini_text("config"),
    credentials=st.one_of(st.none(), ini_text("credentials")),
    cmd=command(),
)
def test_every_edit_is_refused_untouched_or_exactly_what_botocore_reads(
    config: str, credentials: str | None, cmd: Command
) -> None:
    check_command(config, credentials, cmd)
