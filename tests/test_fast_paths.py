"""What each fast path loads (`awsprofiles.entry`): only what it uses.

Every fast path must answer within 2.5 times a bare ``python -c pass`` (scripts/bench.py,
docs/explanation/speed.md), and the margin is a few milliseconds: one import of `typing`,
`dataclasses` (with `inspect`), `pathlib`, `configparser`, `hashlib`, or of the store's write side
takes more than a fast path's own work. Each path is run for real (a subprocess of the entry
point), served, and the modules it loaded are compared with the ones it must never load.
"""

from __future__ import annotations

import ast
import gc
import importlib
import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from awsprofiles import child, model, store, using, vault
from awsprofiles.aws.role_cache import CachedSession
from awsprofiles.cmdline import Option, Plain
from awsprofiles.records import Frozen, Record
from awsprofiles.store import Snapshot
from tests import secret_service
from tests.conftest import Home
from tests.test_role_cache import ROLE, cache_entry, write
from tests.test_startup import imported_by

#: The full commands' libraries: the CLI framework, the AWS SDK, the keyring library.
FULL_COMMANDS = ("typer", "click", "rich", "pydantic", "boto3", "botocore", "keyring", "awsprofiles.cli")
#: The store's write side (a fast path only reads), with the libraries it uses.
WRITE_SIDE = (
    "awsprofiles.store.commit",
    "awsprofiles.store.document",
    "awsprofiles.store.edit",
    "awsprofiles.store.journal",
    "awsprofiles.store.planning",
    "awsprofiles.store.diff",
    "configupdater",
    "filelock",
)
#: Standard modules that cost a fast path milliseconds: typing, dataclasses (with inspect),
#: pathlib (with urllib), configparser, hashlib (with OpenSSL), shutil, contextlib, tempfile, shlex.
SLOW_STANDARD = (
    "typing",
    "dataclasses",
    "inspect",
    "pathlib",
    "urllib",
    "configparser",
    "hashlib",
    "_hashlib",
    "shutil",
    "contextlib",
    "tempfile",
    "shlex",
    "difflib",
)
#: What neither a cached role's env and credential-process nor a completion loads.
NEVER = (*FULL_COMMANDS, *WRITE_SIDE, *SLOW_STANDARD, "awsprofiles.vault", "awsprofiles.sessions")


def loaded(modules: set[str], names: tuple[str, ...]) -> set[str]:
    """The modules of ``names`` (or of packages named there) among ``modules``."""
    return {module for module in modules for name in names if module == name or module.startswith(name + ".")}


@pytest.fixture
def cached_role(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROFILES_RESOLVING", "[]")
    config = "".join(
        f"[profile p{number}]\nrole_arn = {ROLE}{number}\nsource_profile = base\nregion = eu-west-2\n"
        for number in range(20)
    )
    write(home, config + f"[profile target]\nrole_arn = {ROLE}\nsource_profile = base\n")
    cache_entry(home, "target")


@pytest.mark.parametrize(
    "argv",
    [["env", "target", "--shell", "bash"], ["env", "target"], ["credential-process", "target"]],
    ids=["env --shell", "env", "credential-process"],
)
def test_a_cached_role_s_env_and_credential_process_load_only_what_they_use(
    cached_role: None, argv: list[str]
) -> None:
    modules = imported_by(*argv)  # imported_by asserts exit 0
    assert "awsprofiles.using" in modules
    assert "awsprofiles.aws.role_cache" in modules
    assert not loaded(modules, NEVER)


def test_a_completion_loads_neither_the_aws_side_nor_datetime(
    home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(home, "[profile team-a]\nregion = eu-west-1\n[profile team-b]\nregion = eu-west-1\n")
    monkeypatch.setenv("_PROFILES_COMPLETE", "bash")
    monkeypatch.setenv("_PROFILES_COMPLETE_LINE", "profiles env team-")
    imported_by()  # the first completion builds the cached spec with the CLI
    modules = imported_by()
    assert "awsprofiles.completion" in modules
    roles = ("datetime", "awsprofiles.aws", "awsprofiles.graph", "awsprofiles.using")
    assert not loaded(modules, (*NEVER, *roles))


@pytest.mark.skipif(not secret_service.available(), reason="needs gnome-keyring-daemon and dbus-run-session")
def test_the_keyring_s_fast_path_loads_neither_the_cli_the_keyring_library_nor_the_store_s_write_side(
    home: Home, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring.core
    from keyring.backends import SecretService

    process = "profiles credential-process Bob --from-keyring"
    write(home, f"[profile Bob]\nregion = eu-west-1\ncredential_process = {process}\n", "")
    key = {model.ACCESS_KEY_ID: "AKIAFASTPATH00000001", model.SECRET_ACCESS_KEY: "fast-secret"}
    with secret_service.running(tmp_path / "secret-service") as bus:
        for name, value in bus.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setattr(keyring.core, "_keyring_backend", SecretService.Keyring())
        vault.put(vault.item_user(home.paths, "Bob"), vault.encode_key(key))
        modules = imported_by("credential-process", "Bob", "--from-keyring")
    assert "awsprofiles.vault" in modules
    assert "secretstorage" in modules
    assert not loaded(modules, (*FULL_COMMANDS, *WRITE_SIDE))


# --------------------------------------------------------------------------- the store, lazily


def test_the_store_s_names_are_the_ones_its_modules_define_and_mypy_reads() -> None:
    """store/__init__.py lists each name three times: in the imports mypy reads, in `_MODULES`
    (where each is imported from on first use) and in __all__. They agree, and each name is the
    object its module defines."""
    tree = ast.parse(Path(store.__file__).read_text())
    for_mypy = {
        alias.name: node.module.removeprefix("awsprofiles.store.")
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("awsprofiles.store.")
        for alias in node.names
    }
    types_only = {"Role"}  # a Literal: nothing to import at run time
    assert {name: module for name, module in for_mypy.items() if name not in types_only} == store._HOME
    assert sorted(store.__all__) == sorted(set(for_mypy) - types_only)
    for name, module in store._HOME.items():
        assert getattr(store, name) is getattr(importlib.import_module(f"awsprofiles.store.{module}"), name)
    with pytest.raises(AttributeError):
        _ = store.lod  # type: ignore[attr-defined]
    # A module named like a name would shadow it once imported (Python sets the attribute).
    modules = {path.stem for path in Path(store.__file__).parent.glob("*.py")}
    assert not modules & set(store.__all__)


def test_every_name_the_store_exports_resolves_at_run_time() -> None:
    """`from awsprofiles.store import *` imports each name of __all__: a name there that the lazy
    table does not know (a type only mypy reads) would fail it."""
    code = (
        "from awsprofiles import store\n"
        "from awsprofiles.store import *\n"
        "missing = [name for name in store.__all__ if name not in globals()]\n"
        "print(missing)\n"
    )
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == "[]\n"


def test_importing_the_store_reads_nothing_of_the_write_side() -> None:
    code = (
        "import sys\n"
        "from awsprofiles import store\n"
        "store.load, store.locate, store.profile_names\n"
        "print(sorted(m for m in sys.modules if m.startswith('awsprofiles.store.')))\n"
    )
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(ran.stdout.replace("'", '"')) == [
        "awsprofiles.store.endings",
        "awsprofiles.store.fileio",
        "awsprofiles.store.parsing",
        "awsprofiles.store.paths",
        "awsprofiles.store.snapshot",
    ]


# --------------------------------------------------------------------------- patterns


@pytest.mark.parametrize("pattern", [model._LINE_BREAKING, model._CONTROL, model._UNDECODABLE])
def test_a_pattern_skipped_for_printable_ascii_finds_nothing_there(pattern: str) -> None:
    """`model._holds` answers printable ASCII without the pattern: the pattern finds nothing there,
    and everywhere else the answer is the pattern's."""
    for code in [*range(0x100), 0x2028, 0x2029, 0xD800, 0xDFFF, 0xE9, 0x1F600]:
        text = f"a{chr(code)}b"
        assert model._holds(pattern, text) == (re.search(pattern, text) is not None), hex(code)


# --------------------------------------------------------------------------- records


def test_records_are_equal_shown_and_hashed_by_their_fields_as_dataclasses_are() -> None:
    assert Option("name", True) == Option("name", True)
    assert Option("name", True) != Option("name")
    assert repr(Option("name")) == "Option(param='name', takes_value=False, multiple=False)"
    assert hash(Option("name", True)) == hash(Option("name", True))  # frozen: hashable
    plain = Plain({"name": "a"}, frozenset(), (), None)
    assert plain == Plain({"name": "a"}, frozenset(), (), None)
    assert plain != Option("name")  # another class: never equal, whatever the fields
    assert isinstance(plain, Frozen)
    with pytest.raises(TypeError):
        hash(Snapshot(store.IniFile("config", "c"), store.IniFile("credentials", "k")))  # a Record changes
    assert issubclass(Snapshot, Record)
    assert not issubclass(Snapshot, Frozen)


def test_a_record_s_private_fields_are_neither_compared_nor_shown() -> None:
    one = Snapshot(store.IniFile("config", "c"), store.IniFile("credentials", "k"))
    other = Snapshot(store.IniFile("config", "c"), store.IniFile("credentials", "k"))
    one.profile("anyone")  # fills its cache (_merged)
    assert one == other
    assert "_merged" not in repr(one)


def test_records_that_hold_secrets_never_show_them() -> None:
    credentials = model.Credentials("ASIAKEY", "the-secret", "the-token", None, "eu-west-1")
    session = CachedSession("ASIAKEY", "the-secret", "the-token", datetime.now(UTC), "x", None)
    for shown in (repr(credentials), repr(session), repr([credentials])):
        assert "ASIAKEY" in shown
        assert "the-secret" not in shown
        assert "the-token" not in shown
    assert credentials.in_region("us-east-1") == model.Credentials(
        "ASIAKEY", "the-secret", "the-token", None, "us-east-1"
    )


# --------------------------------------------------------------------------- garbage collection


_COLLECTING = """
import atexit, gc, sys
atexit.register(lambda: print("COLLECTING", gc.isenabled(), file=sys.stderr))
sys.argv = ["profiles", *sys.argv[1:]]
from awsprofiles.entry import run
run()
"""


def collecting(*args: str) -> bool:
    """Whether the cyclic garbage collector is on when ``profiles ARGS`` (the entry point) ends."""
    ran = subprocess.run(
        [sys.executable, "-c", _COLLECTING, *args], capture_output=True, text=True, timeout=60
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    return ran.stderr.splitlines()[-1] == "COLLECTING True"


def test_a_fast_path_runs_without_the_garbage_collector_and_the_cli_with_it(cached_role: None) -> None:
    assert not collecting("env", "target", "--shell", "bash")
    assert not collecting("--version")
    assert collecting("list")  # the CLI, which may run for long (check, serve)


def test_the_command_exec_runs_and_the_endpoint_it_serves_collect_garbage(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """exec's fast path may then wait for hours (a command whose credentials expire, or one
    served by an endpoint that renews them): from there on, garbage is collected as usual."""
    seen: list[bool] = []

    def child_run(*args: object, **kwargs: object) -> int:
        seen.append(gc.isenabled())
        return 0

    monkeypatch.setattr(child, "run", child_run)
    expires = datetime.now(UTC) + timedelta(hours=1)
    source = SimpleNamespace(current=lambda: None, report=lambda message: None, profile="target")
    gc.disable()
    try:
        using.run_with(
            model.Credentials("ASIA", "secret", "token", expires), "/bin/true", ["true"], None, "p"
        )
        gc.disable()
        using.run_with_endpoint(source, "/bin/true", ["true"], None, None)  # type: ignore[arg-type]
    finally:
        gc.enable()
    assert seen == [True, True]
