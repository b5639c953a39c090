"""What a new user expected and did not get (issue 19 items 4, 7, 16, 20, ...): each test here
reproduced the wrong or missing answer first."""

from __future__ import annotations

import pytest

from tests.conftest import Home
from tests.store_helpers import run

# --------------------------------------------------------------------- 4: unset says what it did


def test_unset_of_a_present_and_an_absent_key_says_which_was_removed_and_which_was_absent(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    home.config.parent.mkdir(parents=True)
    home.config.write_text("[profile alice]\nregion = eu-west-1\noutput = json\n")
    result = run(capsys, "unset", "alice", "output", "cli_pager")
    assert result.code == 0, result.err
    assert home.config.read_text() == "[profile alice]\nregion = eu-west-1\n"
    lines = result.err.splitlines()
    assert "warning: profile 'alice' has no cli_pager" in lines
    assert "profile 'alice' updated: output removed" in lines
    assert "nothing changed" not in result.err
    assert result.out == ""


def test_unset_of_absent_keys_only_says_nothing_changed(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    home.config.parent.mkdir(parents=True)
    home.config.write_text("[profile alice]\nregion = eu-west-1\n")
    before = home.config.read_bytes()
    result = run(capsys, "unset", "alice", "output", "cli_pager")
    assert result.code == 0, result.err
    assert home.config.read_bytes() == before
    assert result.err.splitlines() == [
        "warning: profile 'alice' has no output",
        "warning: profile 'alice' has no cli_pager",
        "profile 'alice' unchanged",
    ]


# --------------------------------------------------------------------- 16: did you mean


def test_get_of_a_mistyped_key_names_the_key_meant(home: Home, capsys: pytest.CaptureFixture[str]) -> None:
    home.config.parent.mkdir(parents=True)
    home.config.write_text("[profile alice]\nregion = eu-west-1\nprofiles_note = x\n")
    result = run(capsys, "get", "alice", "regin")
    assert result.code == 2
    assert result.err == "error: profile 'alice' has no regin; did you mean 'region'?\n"
    # the profile's own keys first, a key botocore reads otherwise (as set suggests it)
    assert "did you mean 'profiles_note'?" in run(capsys, "get", "alice", "profiles_nte").err
    assert "did you mean 'output'?" in run(capsys, "get", "alice", "ouptut").err
    assert "did you mean" not in run(capsys, "get", "alice", "output").err


def test_unset_of_a_mistyped_key_names_the_key_meant(home: Home, capsys: pytest.CaptureFixture[str]) -> None:
    home.config.parent.mkdir(parents=True)
    home.config.write_text("[profile alice]\nregion = eu-west-1\n")
    result = run(capsys, "unset", "alice", "regoin")
    assert "warning: profile 'alice' has no regoin; did you mean 'region'?" in result.err.splitlines()


# --------------------------------------------------------------------- 17: every edit confirms


def test_set_confirms_on_stderr_what_it_wrote(home: Home, capsys: pytest.CaptureFixture[str]) -> None:
    home.config.parent.mkdir(parents=True)
    home.config.write_text("[profile alice]\nregion = eu-west-1\n")
    result = run(capsys, "set", "alice", "region", "eu-west-2")
    assert (result.code, result.out) == (0, "")
    assert result.err == "profile 'alice' updated: region = eu-west-2\n"
    result = run(capsys, "set", "carol", "output", "json", "--create")
    assert (result.code, result.out) == (0, "")
    assert result.err == "profile 'carol' created: output = json\n"
    result = run(capsys, "set", "alice", "region", "eu-west-2")
    assert result.err == "profile 'alice' unchanged: region = eu-west-2 already\n"
