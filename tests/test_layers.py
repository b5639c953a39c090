"""The layers (ARCHITECTURE.md) as the contracts in pyproject.toml state them: lint-imports keeps
them, and it sees an import inside a function as it sees one at the top of a module."""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(src: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports with the project's contracts, on the package under ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=src,
        check=False,
    )


def test_the_package_keeps_every_contract() -> None:
    ran = lint_imports(ROOT / "src")
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-2000:]
    assert "0 broken" in ran.stdout


@pytest.mark.parametrize(
    ("module", "imported", "contract"),
    [
        ("model.py", "from awsprofiles import using", "Layers"),  # the model reaching up to a feature
        ("store/snapshot.py", "from awsprofiles.aws import session", "Layers"),
        ("cli/editing.py", "from awsprofiles.aws import iam", "The CLI reaches AWS only through a feature"),
        ("check.py", "import botocore.session", "botocore and boto3 only under aws/"),
        ("aws/caches.py", "from awsprofiles.aws import role_cache", "No import cycles"),
        # The registry imports the command modules by name: one importing it back would be a cycle.
        ("cli/completing.py", "from awsprofiles.cli import registry", "CLI: registry -> command modules"),
    ],
)
def test_an_import_inside_a_function_breaks_the_contract_it_goes_against(
    tmp_path: Path, module: str, imported: str, contract: str
) -> None:
    copy = tmp_path / "src"
    shutil.copytree(ROOT / "src", copy, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    path = copy / "awsprofiles" / module
    path.write_text(path.read_text() + f"\n\ndef _reaching() -> None:\n    {imported}\n")
    ran = lint_imports(copy)
    assert ran.returncode == 1, ran.stdout[-3000:]
    broken = ran.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken, ran.stdout[-3000:]


def test_the_registry_loads_only_modules_of_the_layer_below_it() -> None:
    """`COMMANDS` names modules that importlib imports, which lint-imports cannot see: each must
    be in the layer under the registry, which the contract keeps from importing it."""
    import tomllib

    from awsprofiles.cli import COMMANDS

    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    (cli,) = [contract for contract in contracts if contract["name"].startswith("CLI: registry")]
    assert cli["layers"][0] == "registry"
    below = {f"awsprofiles.cli.{name.strip()}" for name in cli["layers"][1].split(":")}
    assert set(COMMANDS.values()) == below


#: A module a reader can hold in mind: past this, it is two modules (issue 18).
MAX_MODULE_LINES = 800


def test_no_module_is_longer_than_a_reader_can_follow() -> None:
    long = {
        str(path.relative_to(ROOT)): count
        for path in sorted((ROOT / "src").rglob("*.py"))
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, long


def test_architecture_names_only_modules_and_functions_that_exist() -> None:
    """Every `module.name` ARCHITECTURE.md points a reader to is there, so the page matches the code."""
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    names = set(re.findall(r"`([a-z_]+(?:\.[A-Za-z_]+)+)", text))
    names = {name for name in names if not name.endswith((".md", ".toml", ".py"))}
    assert len(names) > 20, names
    missing = []
    for name in sorted(names):
        parts = name.split(".")
        for cut in range(len(parts), 0, -1):
            try:
                found: object = importlib.import_module(".".join(["awsprofiles", *parts[:cut]]))
            except ImportError:
                continue
            for attribute in parts[cut:]:
                found = getattr(found, attribute, None)
            if found is None:
                missing.append(name)
            break
        else:
            missing.append(name)
    assert not missing, missing
