"""check's speed: the files are parsed once, lint is linear, the live phase collects its garbage."""

from __future__ import annotations

import gc
import itertools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import botocore.configloader
import botocore.session
import pytest
from moto import mock_aws

from awsprofiles import check, store
from awsprofiles.aws.session import full_config
from awsprofiles.errors import FileProblem
from tests.conftest import Home, copy_fixture, corpus

KEYS = "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s3cr3t\n"


def _configs() -> list[Path]:
    return [path for path in corpus() if path.suffix == ".config"]


def _credentials() -> list[Path | None]:
    return [None, *(path for path in corpus() if path.suffix == ".credentials")]


@pytest.mark.parametrize(
    ("config", "credentials"),
    list(itertools.product(_configs(), _credentials())),
    ids=lambda path: path.name if path else "none",
)
def test_full_config_from_the_snapshot_is_botocores(
    home: Home, config: Path, credentials: Path | None
) -> None:
    copy_fixture(config, home.config)
    if credentials is not None:
        copy_fixture(credentials, home.credentials)
    try:
        snapshot = store.load(home.paths)
    except FileProblem:
        return  # a file the store refuses is never given to botocore from a snapshot
    session = botocore.session.Session()
    session.set_config_variable("config_file", str(home.config))
    session.set_config_variable("credentials_file", str(home.credentials))
    assert full_config(snapshot) == session.full_config


def _count(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[int]:
    calls = [0]
    original: Callable[..., Any] = getattr(owner, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


def test_a_live_check_parses_the_files_once(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    home.config.parent.mkdir(parents=True)
    home.config.write_text(
        "[profile dev]\nregion = eu-west-1\n"
        "[profile ops]\nrole_arn = arn:aws:iam::123456789012:role/ops\nsource_profile = dev\n"
    )
    home.credentials.write_text(f"[dev]\n{KEYS}")
    os.chmod(home.credentials, 0o600)
    reads = _count(monkeypatch, store.snapshot, "parse_file")
    # What Session.full_config parses, and what each shared-credentials provider (the profile's
    # own, and the one a role builds for its source) would parse the credentials file with.
    botocore_reads = _count(monkeypatch, botocore.configloader, "load_config")
    credentials_reads = _count(monkeypatch, botocore.configloader, "raw_config_parse")
    with mock_aws():
        results = check.check_profiles(home.paths)
    assert [result.ok for result in results] == [True, True], [result.message for result in results]
    assert reads[0] == 2  # config and credentials, once each
    assert botocore_reads[0] == 0
    assert credentials_reads[0] == 0


def test_credentials_from_a_snapshot_parse_neither_file_again(
    home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    from awsprofiles.aws.credentials import get_credentials

    home.config.parent.mkdir(parents=True)
    home.config.write_text("[profile dev]\nregion = eu-west-1\n")
    home.credentials.write_text(f"[dev]\n{KEYS}")
    os.chmod(home.credentials, 0o600)
    snapshot = store.load(home.paths)
    botocore_reads = _count(monkeypatch, botocore.configloader, "load_config")
    credentials_reads = _count(monkeypatch, botocore.configloader, "raw_config_parse")
    found = get_credentials(home.paths, "dev", use_cache=False, snapshot=snapshot)
    assert found.access_key_id == "AKIAIOSFODNN7EXAMPLE"
    assert (botocore_reads[0], credentials_reads[0]) == (0, 0)


def test_lint_merges_each_profile_once_whatever_the_number(
    home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    home.config.parent.mkdir(parents=True)
    count = 300
    home.config.write_text(
        "".join(
            f"[profile r{n}]\nrole_arn = arn:aws:iam::123456789012:role/r{n}\nsource_profile = k{n % 7}\n"
            for n in range(count)
        )
    )
    home.credentials.write_text("".join(f"[k{n}]\n{KEYS}" for n in range(7)))
    os.chmod(home.credentials, 0o600)
    merges = _count(monkeypatch, store.Snapshot, "_merge")
    results = check.check_profiles(home.paths, offline=True)
    assert len(results) == count + 7
    assert all(result.ok for result in results)
    assert merges[0] == count + 7  # each profile merged once, not once per profile that names it


def test_the_live_phase_leaves_the_collector_as_it_found_it(
    home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    home.config.parent.mkdir(parents=True)
    home.config.write_text("[profile dev]\nregion = eu-west-1\n")
    home.credentials.write_text(f"[dev]\n{KEYS}")
    os.chmod(home.credentials, 0o600)
    monkeypatch.setattr(gc, "set_threshold", _recording(gc.set_threshold, seen := []))
    before = (gc.get_threshold(), gc.get_freeze_count())
    with mock_aws():
        assert check.check_profiles(home.paths)[0].ok
    assert (gc.get_threshold(), gc.get_freeze_count()) == before
    assert seen[0] == (700, 10, 10)  # during the live phase: Python's own thresholds


def _recording(function: Callable[..., Any], calls: list[tuple[Any, ...]]) -> Callable[..., Any]:
    def recorded(*args: Any) -> Any:
        calls.append(args)
        return function(*args)

    return recorded
