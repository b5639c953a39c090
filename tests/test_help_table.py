"""``profiles --help`` in panels with whole summaries; every command's help ends with examples and
its docs page; one table (awsprofiles.cli.help_table) says it all, for every command."""

from __future__ import annotations

from pathlib import Path

import pytest

from awsprofiles import cli
from awsprofiles.cli.command import summary
from awsprofiles.cli.help_table import DOCS, HELP, PANELS
from tests.store_helpers import run
from tests.test_readme import anchors

ROOT = Path(__file__).resolve().parents[1]


def _panels(out: str) -> dict[str, dict[str, str]]:
    """The root help's panels: {panel: {command: its summary, its wrapped lines joined}}."""
    found: dict[str, dict[str, str]] = {}
    panel = None
    for line in out.splitlines():
        if line and not line.startswith(" ") and line.endswith(":"):
            panel = line.removesuffix(":")
            found[panel] = {}
        elif panel and line.startswith("  ") and not line.startswith("   "):
            name, _, text = line.strip().partition(" ")
            found[panel][name] = text.strip()
            last = name
        elif panel and line.strip():
            found[panel][last] += " " + line.strip()
        else:
            panel = None if not line.strip() else panel
    return {name: rows for name, rows in found.items() if name not in ("Usage", "Options")}


def _squeezed(text: str) -> str:
    # The help wraps long summaries, also after a hyphen ('credential-' / 'process').
    return "".join(text.split())


def test_every_command_has_an_entry_and_every_entry_a_command() -> None:
    missing = [name for name in cli.COMMANDS if name not in HELP]
    assert not missing, (
        f"add {missing} to HELP in src/awsprofiles/cli/help_table.py (panel, examples, docs page), "
        "then run .venv/bin/python scripts/docs_reference.py"
    )
    assert not [name for name in HELP if name not in cli.COMMANDS]
    assert {entry.panel for entry in HELP.values()} == set(PANELS)


def test_the_root_help_shows_every_command_in_its_panel_with_its_whole_summary(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = run(capsys, "--help")
    assert result.code == 0
    shown = _panels(result.out)
    assert list(shown) == list(PANELS)
    root = cli.root()
    for name in cli.COMMANDS:
        panel = HELP[name].panel
        assert name in shown[panel], f"{name} is not in the panel {panel!r}"
        whole = summary(root.commands[name])
        assert _squeezed(shown[panel][name]) == _squeezed(whole)
        assert not whole.endswith("..."), name
    assert sum(len(rows) for rows in shown.values()) == len(cli.COMMANDS)


def test_a_command_the_table_does_not_know_still_shows_under_other_commands(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(HELP, "whoami")
    shown = _panels(run(capsys, "--help").out)
    assert "whoami" in shown["Other commands"]
    assert "whoami" not in shown["Checking"]


@pytest.mark.parametrize("name", list(cli.COMMANDS))
def test_every_commands_help_ends_with_its_examples_and_its_docs_page(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(capsys, name, "--help")
    assert result.code == 0
    entry = HELP[name]
    lines = result.out.rstrip("\n").splitlines()
    assert lines[-1] == f"Docs: {DOCS}{entry.page}"
    examples = lines[lines.index("Examples:") + 1 : -2]
    # Printed whole, one a line, never re-wrapped: each can be copied as it is.
    assert [line.strip() for line in examples] == list(entry.examples)
    assert 1 <= len(entry.examples) <= 2
    assert all(example.split()[0] in ("profiles", "eval", "credential_process") for example in entry.examples)
    assert any(f"profiles {name}" in example for example in entry.examples)


@pytest.mark.parametrize("name", list(HELP))
def test_every_docs_page_of_the_table_exists_with_its_section(name: str) -> None:
    page, _, section = HELP[name].page.partition("#")
    path = ROOT / DOCS / page
    assert path.is_file(), f"{name}: {path} does not exist"
    if section:
        assert section in anchors(path), f"{name}: {page} has no section #{section}"
