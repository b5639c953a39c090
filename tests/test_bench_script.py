"""scripts/bench.py: the generated files read completely, and how a row is judged."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[1] / "scripts" / "bench.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    sys.path.insert(0, str(BENCH.parent))
    try:
        import bench
    finally:
        sys.path.remove(str(BENCH.parent))
    return bench


def test_bench_generates_files_that_profiles_reads_completely(bench: ModuleType, tmp_path: Path) -> None:
    config, credentials = bench.generate(tmp_path, 30)
    from awsprofiles import store

    snapshot = store.load(store.Paths(config, credentials))
    assert len(snapshot.names()) == 31  # and default
    kinds = {profile.kind.value for profile in snapshot.profiles()}
    assert kinds == {"keys", "role", "other"}


def test_the_cached_role_session_is_served_by_profiles_env(bench: ModuleType, tmp_path: Path) -> None:
    files = bench.Files.make(tmp_path, 30)
    from awsprofiles import store
    from awsprofiles.aws.role_cache import cached_role_credentials

    snapshot = store.load(store.Paths(files.config, files.credentials))
    served = cached_role_credentials(
        snapshot, files.role, cache_dir=Path(files.env["HOME"]) / ".aws/cli/cache"
    )
    assert served is not None
    assert served.access_key_id == "ASIABENCHBENCHBENCH1"


def test_rows_are_judged_against_their_targets(bench: ModuleType) -> None:
    assert bench.Row("list", "m", 0.1, "b", 0.5, "x", 0.3).met()
    assert not bench.Row("list", "m", 0.2, "b", 0.5, "x", 0.3).met()
    assert bench.Row("check", "m", 1.0, "b", 31.0, "speed-up", 30.0).met()
    assert not bench.Row("check", "m", 1.0, "b", 29.0, "speed-up", 30.0).met()
    assert bench.Row("list-huge", "m", 2.9, "b", 9.0, "s", 3.0).met()
    assert not bench.Row("list-huge", "m", 3.0, "b", 9.0, "s", 3.0).met()
    added = bench.Row("exec-server", "m", 0.130, "b", 0.090, "+s", 0.050)
    assert added.met()
    assert bench._figure(added, added.figure) == "+40 ms"
    assert not bench.Row("exec-server", "m", 0.150, "b", 0.090, "+s", 0.050).met()


def test_quick_mode_fails_a_row_whose_ratio_doubled(
    bench: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    reference = bench.QUICK_REFERENCE["list"]
    steady = bench.Row("list", "m", reference * 1.9, "b", 1.0, "x", 0.3)
    doubled = bench.Row("list", "m", reference * 2.1, "b", 1.0, "x", 0.3)
    assert bench.quick_check([steady]) == []
    assert len(bench.quick_check([doubled])) == 1
    assert "| list |" in capsys.readouterr().out


def test_the_keyring_rows_time_credential_process_against_a_real_secret_service() -> None:
    from tests import secret_service

    if not secret_service.available():
        pytest.skip("gnome-keyring and dbus are not installed (scripts/test installs them)")
    result = subprocess.run(
        [sys.executable, str(BENCH), "--only", "keyring", "--runs", "1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    # Exit 1 only says the machine was too busy for the target; the figures must be there.
    assert result.returncode in (0, 1), result.stderr
    lines = result.stdout.splitlines()
    assert lines[2].startswith("| `profiles credential-process NAME --from-keyring`, the key | ")
    assert lines[3].startswith("| `profiles credential-process NAME --from-keyring`, a kept MFA session | ")
    assert "| < 0.250 s |" in lines[3]
