"""The docs site says what the CLI does: the command reference is the CLI's own help, every error
code has its entry, and the Architecture page shows ARCHITECTURE.md once there is one."""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from types import ModuleType

import pytest

from awsprofiles import cli

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "scripts"


def _script(name: str) -> ModuleType:
    sys.path.insert(0, str(SCRIPTS))
    try:
        return __import__(name)
    finally:
        sys.path.remove(str(SCRIPTS))


@pytest.fixture(scope="module")
def reference() -> ModuleType:
    return _script("docs_reference")


def test_the_command_reference_is_what_the_cli_says(reference: ModuleType) -> None:
    stale = [str(path.relative_to(ROOT)) for path in reference.stale(reference.render())]
    assert not stale, (
        f"the command reference differs from the CLI's help: {', '.join(stale)}; "
        f"run {reference.REGENERATE} and commit the pages"
    )


def test_a_stale_page_fails_the_check_which_says_how_to_regenerate(
    reference: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert reference.main([], folder=tmp_path) == 0  # writes every page
    assert reference.main(["--check"], folder=tmp_path) == 0
    (tmp_path / "list.md").write_text("stale\n")
    (tmp_path / "gone.md").write_text("a command removed since\n")
    capsys.readouterr()
    assert reference.main(["--check"], folder=tmp_path) == 1
    err = capsys.readouterr().err
    assert "list.md" in err
    assert "gone.md" in err
    assert "run .venv/bin/python scripts/docs_reference.py" in err
    assert reference.main([], folder=tmp_path) == 0
    assert not (tmp_path / "gone.md").exists()
    assert reference.main(["--check"], folder=tmp_path) == 0


def test_every_command_option_and_argument_of_the_help_is_in_the_reference(reference: ModuleType) -> None:
    from typer import _click as click

    pages = reference.render()
    root = cli.root()
    context = click.Context(root, info_name="profiles", **root.context_settings)
    for name in cli.COMMANDS:
        command = root.commands[name]
        page = pages[reference.PAGES / f"{name}.md"]
        ctx = click.Context(command, info_name=name, parent=context)
        for param in command.get_params(ctx):
            if getattr(param, "hidden", False):
                continue
            for opt in param.opts if param.param_type_name == "option" else [param.human_readable_name]:
                assert opt.upper() in page.upper(), f"{name}: {opt} is not in its reference page"
        for word in command.help.split() if command.help else []:
            if word.startswith("--"):
                assert word.strip(".,;:)'") in page, f"{name}: {word}"


def _codes_raised() -> set[str]:
    """Every error code a `CheckFailed` is raised with in the package (its second argument, or code=)."""
    codes = set()
    for path in (ROOT / "src" / "awsprofiles").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "CheckFailed":
                given = node.args[1:2] + [kw.value for kw in node.keywords if kw.arg == "code"]
                codes |= {arg.value for arg in given if isinstance(arg, ast.Constant)}
    return codes | {"other", "timeout", "lint"}  # CheckFailed's default; check's own results


def test_every_error_code_has_its_entry_with_what_to_do() -> None:
    page = (ROOT / "docs" / "reference" / "exit-codes.md").read_text()
    rows = {line.split("|")[1].strip().strip("`") for line in page.splitlines() if line.startswith("| `")}
    codes = _codes_raised()
    assert {"invalid-key", "assume-denied", "mfa-required", "sso-login", "process-failed"} <= codes
    assert not codes - rows, f"add {sorted(codes - rows)} to docs/reference/exit-codes.md"


def test_the_architecture_page_shows_architecture_md_once_it_exists(tmp_path: Path) -> None:
    hooks = _script("docs_hooks")
    docs = tmp_path / "docs"
    (docs / "guides").mkdir(parents=True)
    (docs / "guides" / "using.md").write_text("# Using\n")
    assert hooks.architecture(tmp_path, docs) is None  # the page keeps its own text
    (tmp_path / "ARCHITECTURE.md").write_text(
        "# Architecture\n\nThe [store](src/awsprofiles/store.py), [`cli`](src/awsprofiles/cli/), "
        "[using](docs/guides/using.md#exec) and [botocore](https://github.com/boto/botocore).\n"
    )
    assert hooks.architecture(tmp_path, docs) == (
        "# Architecture\n\nThe `store`, `cli`, [using](../guides/using.md#exec) and "
        "[botocore](https://github.com/boto/botocore).\n"
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["onboard", "no-such-manifest.toml"],
        ["onboard", "."],  # a folder
        ["add-user", "bob", "--from-csv", "no-such-keys.csv"],
    ],
)
def test_a_file_named_on_the_command_line_that_cannot_be_read_is_exit_2_as_documented(
    argv: list[str], home: object, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit 4 is the AWS files, a cache, the keyring; a file the user names is input (2): the
    reference said 4 for every file that cannot be read."""
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 1
    assert "Traceback" not in err
    codes = (ROOT / "docs" / "reference" / "exit-codes.md").read_text()
    assert "| 2 | bad input or usage:" in codes
    row = next(line for line in codes.splitlines() if line.startswith("| 2 |"))
    assert "a file you name on the command line" in row
