"""The IAM console's key CSV as spreadsheets re-save it: extra empty columns are read, the rest
is refused with the line that cannot be read (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from awsprofiles import keyfiles
from awsprofiles.errors import BadInput
from tests.conftest import Home
from tests.store_helpers import run
from tests.test_manifest import HOSTILE, hostile_input, run_bounded

KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            f"Access key ID,Secret access key,\n{KEY_ID},{SECRET},\n", id="trailing-comma-everywhere"
        ),
        pytest.param(f"Access key ID,Secret access key\n{KEY_ID},{SECRET},\n", id="trailing-comma-in-row"),
        pytest.param(
            f"Access key ID,Secret access key\n{KEY_ID},{SECRET},,,\n,,\n\n", id="empty-cells-and-rows"
        ),
        pytest.param(
            f"\ufeffUser name,Access key ID,Secret access key,\r\nbob,{KEY_ID},{SECRET},\r\n", id="crlf"
        ),
    ],
)
def test_a_resaved_key_csv_with_empty_columns_is_read(text: str, tmp_path: Path) -> None:
    path = tmp_path / "key.csv"
    path.write_text(text, newline="")
    key = keyfiles.from_csv(path)
    assert (key.access_key_id, key.secret_access_key) == (KEY_ID, SECRET)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        pytest.param(
            f"Access key ID,Secret access key\n{KEY_ID}\n", ("line 2", "no secret access key"), id="short"
        ),
        pytest.param(
            f"Access key ID,Secret access key\n{KEY_ID},{SECRET},surprise\n",
            ("line 2", "more values"),
            id="long",
        ),
        pytest.param(f'Access key ID,Secret access key\n"{KEY_ID},{SECRET}\n', ("line 2",), id="open-quote"),
    ],
)
def test_a_key_csv_that_cannot_be_read_is_refused_with_its_line(
    text: str, words: tuple[str, ...], tmp_path: Path
) -> None:
    path = tmp_path / "key.csv"
    path.write_text(text)
    with pytest.raises(BadInput) as refused:
        keyfiles.from_csv(path)
    for word in words:
        assert word in refused.value.message
    assert SECRET not in refused.value.message


def test_add_user_and_onboard_read_a_csv_with_a_trailing_comma(
    home: Home, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "Bob_accessKeys.csv"
    path.write_text(f"Access key ID,Secret access key\n{KEY_ID},{SECRET},\n")
    added = run(capsys, "add-user", "Bob", "--from-csv", str(path), "--no-check")
    assert added.code == 0, added.err
    manifest = tmp_path / "team.toml"
    manifest.write_text('[source]\nprofile = "Alice"\n')
    onboarded = run(capsys, "onboard", str(manifest), "--from-csv", str(path), "--no-check")
    assert onboarded.code == 0, onboarded.err
    assert home.credentials.read_text().count(KEY_ID) == 2


@pytest.mark.parametrize("kind", HOSTILE)
@pytest.mark.parametrize("option", ["--from-csv", "--from-json"])
def test_a_key_file_that_is_not_a_small_regular_file_is_refused_with_exit_2(
    option: str, kind: str, home: Home, tmp_path: Path
) -> None:
    path = tmp_path / "key"
    hostile_input(path, kind, "[" * 100_000 + "]" * 100_000)
    ran = run_bounded("add-user", "Bob", option, str(path), "--no-check")
    assert ran.returncode == 2, ran.stderr
    assert ran.stderr.startswith("error: ")
    assert "unexpected" not in ran.stderr
    assert not home.credentials.exists()
