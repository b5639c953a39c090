"""scripts/bench.py runs the real command on generated files and reports a markdown table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "scripts" / "bench.py"


def test_bench_files_times_list_and_set_on_generated_profiles() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH), "files", "--runs", "1", "--sizes", "30,60"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "| profiles | `profiles list` | `profiles set` |"
    assert lines[2].startswith("| 30 | ")
    assert lines[3].startswith("| 60 | ")
    for line in lines[2:4]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        assert all(cell.endswith(" s") and float(cell[:-2]) > 0 for cell in cells[1:])


def test_bench_generates_files_that_profiles_reads_completely(tmp_path: Path) -> None:
    sys.path.insert(0, str(BENCH.parent))
    try:
        import bench
    finally:
        sys.path.remove(str(BENCH.parent))
    config, credentials = bench.generate(tmp_path, 30)
    from awsprofiles import store

    snapshot = store.load(store.Paths(config, credentials))
    assert len(snapshot.names()) == 31  # and default
    kinds = {profile.kind.value for profile in snapshot.profiles()}
    assert kinds == {"keys", "role", "other"}


def test_bench_keyring_times_credential_process_against_a_real_secret_service() -> None:
    from tests import secret_service

    if not secret_service.available():
        pytest.skip("gnome-keyring and dbus are not installed (scripts/test installs them)")
    result = subprocess.run(
        [sys.executable, str(BENCH), "keyring", "--runs", "1"], capture_output=True, text=True, timeout=120
    )
    # Exit 1 only says the machine was too busy for the target; the figures must be there.
    assert result.returncode in (0, 1), result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "| `profiles credential-process NAME --from-keyring` serving | wall time |"
    assert lines[2].startswith("| the access key (no MFA) | ")
    assert lines[3].startswith("| a kept MFA session | ")
