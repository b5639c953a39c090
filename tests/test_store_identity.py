"""Edits that undo each other give back the file byte for byte (issue 19 item 12).

``set`` then ``unset`` of a key the profile did not have, and ``rename A B`` then ``rename B A``,
over the differential test's generated files (CRLF, mixed line endings, no final newline,
quoted and oddly spaced headers, [DEFAULT], continuation lines, comments).
"""

from __future__ import annotations

import configparser
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from awsprofiles import store
from tests.conftest import Home
from tests.store_helpers import run as run_here
from tests.test_store_differential import (
    COMMAND_NAMES,
    VALUES,
    Views,
    aws_files,
    botocore_view,
    chunks_as_written,
    ini_text,
    run,
)

# Many generated files are ones botocore cannot read, or have no profile to edit: filtered out.
SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
KEYS = ["region", "output", "custom_key", "role_arn", "credential_source", "aws_access_key_id"]


def files_of(paths: store.Paths) -> dict[str, bytes | None]:
    return {
        path.name: path.read_bytes() if path.exists() else None
        for path in (Path(paths.config), Path(paths.credentials))
    }


def readable(paths: store.Paths) -> Views:
    """Every profile as botocore reads the files; only files botocore reads, with a profile."""
    view = botocore_view(paths)
    assume(view)
    assert view is not None
    return view


def default_source(path: str) -> str | None:
    """The source_profile [DEFAULT] gives every section of the file, if any."""
    parser = configparser.RawConfigParser()
    if os.path.exists(path):
        parser.read(path, encoding="utf-8")
    return parser.defaults().get("source_profile")


def sections_of(files: dict[str, bytes | None]) -> list[list[str | None]]:
    return [[section for section, _ in chunks_as_written(data.decode())] for data in files.values() if data]


@SETTINGS
@given(
    config=ini_text("config"),
    credentials=st.one_of(st.none(), ini_text("credentials")),
    data=st.data(),
)
def test_set_then_unset_of_a_new_key_gives_back_the_bytes(
    config: str, credentials: str | None, data: st.DataObject
) -> None:
    with aws_files(config, credentials) as paths:
        before = files_of(paths)
        view = readable(paths)
        name = data.draw(st.sampled_from(sorted(view)), label="profile")
        key = data.draw(
            st.sampled_from([key for key in KEYS if key not in view[name]] or ["region"]), label="key"
        )
        assume(key not in view[name])
        value = data.draw(st.sampled_from(VALUES[key]), label="value")
        added = run(paths, ("set", "--force", name, key, value))
        assume(added.code == 0)
        # A key that needed a new section (the profile had none in that file) leaves the header.
        assume(sections_of(files_of(paths)) == sections_of(before))
        removed = run(paths, ("unset", "--force", name, key))
        assert removed.code == 0, removed.err
        assert files_of(paths) == before


def header_of_default(config: str) -> list[str]:
    return [
        section
        for section, _ in chunks_as_written(config)
        if section and section.strip() in ("profile default", "profile 'default'")
    ]


@SETTINGS
@given(
    config=ini_text("config"),
    credentials=st.one_of(st.none(), ini_text("credentials")),
    data=st.data(),
)
def test_rename_away_and_back_gives_back_the_bytes(
    config: str, credentials: str | None, data: st.DataObject
) -> None:
    with aws_files(config, credentials) as paths:
        before = files_of(paths)
        view = readable(paths)
        old = data.draw(st.sampled_from(sorted(view)), label="old")
        assume(old != "DEFAULT")  # [profile DEFAULT] is read, but profiles never writes that name
        new = data.draw(st.sampled_from([*COMMAND_NAMES, "team-dev", "team dev"]), label="new")
        assume(new not in view)
        # A reference to a profile that does not exist yet is taken over by the rename back (and
        # one in [DEFAULT], which every section inherits, refuses it).
        named = [values.get("source_profile") for values in view.values()]
        assume(new not in [*named, default_source(paths.config), default_source(paths.credentials)])
        # [profile default] and [default] read alike; the way back writes [default], as the AWS CLI does.
        assume(old != "default" or not header_of_default(config))
        away = run(paths, ("rename", old, new))
        assume(away.code == 0)
        back = run(paths, ("rename", new, old))
        assert back.code == 0, back.err
        assert files_of(paths) == before


# --------------------------------------------------------------------------- the cases


def test_set_then_unset_on_a_crlf_file_without_final_newline(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    home.config.parent.mkdir(mode=0o700)
    original = b"[profile x]\r\nregion = y\r\n[profile empty]"
    home.config.write_bytes(original)
    assert run_here(capsys, "set", "empty", "region", "us-west-2").code == 0
    assert home.config.read_bytes() == b"[profile x]\r\nregion = y\r\n[profile empty]\r\nregion = us-west-2"
    assert run_here(capsys, "unset", "empty", "region").code == 0
    assert home.config.read_bytes() == original


def test_rename_of_a_double_quoted_name_away_and_back(home: Home, capsys: pytest.CaptureFixture[str]) -> None:
    home.config.parent.mkdir(mode=0o700)
    original = b'[profile "team dev"]\nregion = y\n\n[profile ops]\nsource_profile = team dev\n'
    home.config.write_bytes(original)
    assert run_here(capsys, "rename", "team dev", "team-dev").code == 0
    assert run_here(capsys, "rename", "team-dev", "team dev").code == 0
    assert home.config.read_bytes() == original
