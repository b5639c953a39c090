"""profiles onboard on local files (no AWS call: --no-check and --dry-run)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from awsprofiles import store
from awsprofiles.cli import main
from tests.conftest import PROFILES, Home

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "team.toml"
KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


@pytest.fixture
def key_json(tmp_path: Path) -> Path:
    path = tmp_path / "key.json"
    path.write_text(
        json.dumps({"AccessKey": {"UserName": "Bob", "AccessKeyId": KEY_ID, "SecretAccessKey": SECRET}})
    )
    return path


def files(home: Home) -> tuple[bytes, bytes]:
    return home.config.read_bytes(), home.credentials.read_bytes()


def test_onboard_creates_every_profile_and_a_second_run_changes_nothing(
    home: Home, key_json: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["onboard", str(EXAMPLE), "--from-json", str(key_json), "--no-check"]) == 0
    snapshot = store.load(home.paths)
    assert snapshot.names() == ["Bob", "example-role", "example-audit"]
    bob = snapshot.profile("Bob")
    assert bob is not None
    assert bob.get("aws_access_key_id") == KEY_ID
    assert bob.origins["aws_secret_access_key"] == "credentials"
    chained = snapshot.profile("example-audit")
    assert chained is not None
    assert chained.get("source_profile") == "example-role"
    assert "create Bob, example-role, example-audit" in capsys.readouterr().err

    first = files(home)
    # No key source this time: the source profile has its key, so none is asked for.
    assert main(["onboard", str(EXAMPLE), "--no-check"]) == 0
    assert files(home) == first
    assert "no changes" in capsys.readouterr().err


def test_a_key_given_to_onboard_leaves_no_session_token_beside_it(
    home: Home, key_json: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The same rule as add-user's: a long-term key has no token, whatever the files held with it
    # (botocore would send the token along, and AWS refuse the key).
    home.credentials.parent.mkdir(parents=True)
    home.credentials.write_text(
        f"[Bob]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\naws_session_token = stale\n"
    )
    assert main(["onboard", str(EXAMPLE), "--from-json", str(key_json), "--yes", "--no-check"]) == 0
    bob = store.load(home.paths).profile("Bob")
    assert bob is not None
    assert (bob.get("aws_access_key_id"), bob.session_token) == (KEY_ID, None)


def test_dry_run_prints_the_diff_with_secrets_masked_and_writes_nothing(
    home: Home, key_json: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["onboard", str(EXAMPLE), "--from-json", str(key_json), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert not home.config.exists()
    assert not home.credentials.exists()
    assert f"+++ {home.config} (after onboard)" in out
    assert "+[profile example-role]" in out
    assert "+role_arn = arn:aws:iam::123456789012:role/example-role" in out
    assert "+aws_secret_access_key = ********" in out
    assert SECRET not in out
    assert KEY_ID not in out


def test_dry_run_masks_other_profiles_secrets_shown_as_context(
    home: Home, key_json: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home.credentials.parent.mkdir(parents=True)
    home.credentials.write_text(
        "[other]\naws_access_key_id = AKIAOTHEROTHEROTHER1\naws_secret_access_key = hunter2\n"
    )
    assert main(["onboard", str(EXAMPLE), "--from-json", str(key_json), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert " aws_secret_access_key = ********" in out
    assert "hunter2" not in out


def test_manifest_change_updates_only_changed_keys_and_keeps_the_users_own(
    home: Home, key_json: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["onboard", str(EXAMPLE), "--from-json", str(key_json), "--no-check"]) == 0
    own = "\n# my own profile, keep it\n[profile mine]\nregion = us-west-2 ; inline note\n"
    with home.config.open("a") as stream:
        stream.write(own)
    with home.config.open("r+") as stream:
        text = stream.read()
        stream.seek(0)
        stream.write(text.replace("[profile example-role]\n", "[profile example-role]\n# team role\n"))
    before = home.config.read_text()
    changed = tmp_path / "team.toml"
    changed.write_text(EXAMPLE.read_text().replace("duration_seconds = 900", "duration_seconds = 1800"))
    capsys.readouterr()

    # Off a terminal and without --yes: refused, diff shown, nothing written.
    assert main(["onboard", str(changed), "--no-check"]) == 3
    err = capsys.readouterr().err
    assert "-duration_seconds = 900" in err
    assert "+duration_seconds = 1800" in err
    assert "--yes" in err
    assert home.config.read_text() == before

    assert main(["onboard", str(changed), "--no-check", "--yes"]) == 0
    after = home.config.read_text()
    assert after == before.replace("duration_seconds = 900", "duration_seconds = 1800")
    assert "update example-audit" in capsys.readouterr().err


def test_json_summary_lists_actions_per_profile(
    home: Home, key_json: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["onboard", str(EXAMPLE), "--from-json", str(key_json), "--no-check", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["written"] is True
    assert [(p["name"], p["action"]) for p in summary["profiles"]] == [
        ("Bob", "create"),
        ("example-role", "create"),
        ("example-audit", "create"),
    ]
    assert SECRET not in json.dumps(summary)


def test_missing_key_off_a_terminal_is_bad_input_and_writes_nothing(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["onboard", str(EXAMPLE), "--no-check"]) == 2
    assert "--from-csv" in capsys.readouterr().err
    assert not home.config.exists()


def test_onboard_without_aws_calls_does_not_import_botocore(home: Home, key_json: Path) -> None:
    code = (
        "import sys; from awsprofiles.cli import main; "
        f"rc = main(['onboard', {str(EXAMPLE)!r}, '--from-json', {str(key_json)!r}, '--dry-run']); "
        "assert rc == 0, rc; assert 'botocore' not in sys.modules, 'botocore imported'"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_dry_run_without_a_key_previews_the_rest_and_says_the_key_would_be_asked_for(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["onboard", str(EXAMPLE), "--dry-run"]) == 0
    captured = capsys.readouterr()
    assert "+[profile example-role]" in captured.out
    assert "'Bob' has no access key yet: onboard would ask for it" in captured.err
    assert not home.config.exists()


def test_a_new_key_for_an_existing_source_profile_is_an_update_needing_yes(
    home: Home, key_json: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["onboard", str(EXAMPLE), "--from-json", str(key_json), "--no-check"]) == 0
    newer = tmp_path / "newer.json"
    newer.write_text(
        json.dumps({"AccessKey": {"AccessKeyId": "AKIANEWNEWNEWNEWNEW1", "SecretAccessKey": "s2"}})
    )
    before = files(home)
    capsys.readouterr()
    assert main(["onboard", str(EXAMPLE), "--from-json", str(newer), "--no-check"]) == 3
    err = capsys.readouterr().err
    assert "-aws_access_key_id = AKIA************MPLE" in err
    assert "+aws_access_key_id = AKIA************NEW1" in err
    assert SECRET not in err
    assert files(home) == before
    assert main(["onboard", str(EXAMPLE), "--from-json", str(newer), "--no-check", "--yes"]) == 0
    bob = store.load(home.paths).profile("Bob")
    assert bob is not None
    assert (bob.get("aws_access_key_id"), bob.get("aws_secret_access_key")) == ("AKIANEWNEWNEWNEWNEW1", "s2")


def _answer_on_a_terminal(args: list[str], *answers: tuple[bytes, str]) -> tuple[int, str]:
    """Run profiles with stdin and stderr on a pseudo-terminal; answer each prompt once seen."""
    import os
    import pty
    import select
    import time

    master, slave = pty.openpty()
    process = subprocess.Popen(
        [*PROFILES, *args], stdin=slave, stderr=slave, stdout=subprocess.PIPE, close_fds=True
    )
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 30
    pending = list(answers)
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        if pending and pending[0][0] in seen:
            seen = seen.replace(pending[0][0], pending[0][0] + b" <answered>", 1)
            os.write(master, pending.pop(0)[1].encode() + b"\n")
        if process.poll() is not None and not ready:
            break
    process.wait(timeout=30)
    os.close(master)
    assert process.stdout is not None
    process.stdout.close()
    return process.returncode, seen.decode(errors="replace")


@pytest.mark.parametrize(("answer", "code"), [("y", 0), ("n", 3)])
def test_an_update_asks_on_the_terminal_after_showing_the_diff(
    home: Home, key_json: Path, tmp_path: Path, answer: str, code: int
) -> None:
    assert main(["onboard", str(EXAMPLE), "--from-json", str(key_json), "--no-check"]) == 0
    changed = tmp_path / "team.toml"
    changed.write_text(EXAMPLE.read_text().replace('region = "eu-west-1"', 'region = "eu-central-1"', 1))
    before = home.config.read_bytes()
    returncode, terminal = _answer_on_a_terminal(["onboard", str(changed), "--no-check"], (b"[y/N]", answer))
    assert returncode == code, terminal
    assert "+region = eu-central-1" in terminal
    assert terminal.index("+region = eu-central-1") < terminal.index("Update Bob as shown above?")
    if answer == "y":
        assert home.config.read_bytes() == before.replace(b"region = eu-west-1", b"region = eu-central-1", 1)
    else:
        assert home.config.read_bytes() == before


def test_without_a_key_file_the_key_is_asked_for_on_the_terminal_and_never_echoed(home: Home) -> None:
    returncode, terminal = _answer_on_a_terminal(
        ["onboard", str(EXAMPLE), "--no-check"], (b"Access key ID:", KEY_ID), (b"Secret access key:", SECRET)
    )
    assert returncode == 0, terminal
    assert "'Bob' needs your IAM user's access key" in terminal
    assert SECRET not in terminal
    bob = store.load(home.paths).profile("Bob")
    assert bob is not None
    assert (bob.get("aws_access_key_id"), bob.get("aws_secret_access_key")) == (KEY_ID, SECRET)


def test_onboard_run_confirms_through_the_callers_prompt_and_shows_an_update_before_asking(
    home: Home, tmp_path: Path
) -> None:
    from awsprofiles import keyfiles, onboard
    from awsprofiles.aws import credentials
    from awsprofiles.errors import Refused

    said: list[tuple[str, object]] = []

    def run(request: onboard.Request, answer: bool | None) -> onboard.Outcome:
        def confirm(question: str) -> bool:
            said.append(("confirm", question))
            return bool(answer)

        return onboard.run(
            home.paths,
            request,
            confirm=None if answer is None else confirm,
            show=lambda diff: said.append(("show", diff)),
            warn=lambda warnings: said.extend(("warn", w) for w in warnings),
            info=lambda message: said.append(("info", message)),
        )

    def asked_key_id() -> str:
        said.append(("ask", "key id"))
        return KEY_ID

    with pytest.MonkeyPatch.context() as patch:
        # On a terminal, the key is asked for there (keyfiles), after onboard says whose it is.
        patch.setattr(credentials, "interactive", lambda: True)
        patch.setattr(keyfiles, "key_id_from_terminal", asked_key_id)
        patch.setattr(keyfiles, "secret_from_terminal", lambda: SECRET)
        done = run(onboard.Request(EXAMPLE, check=False), answer=True)
    assert said[:2] == [("info", "profile 'Bob' needs your IAM user's access key"), ("ask", "key id")]
    bob = store.load(home.paths).profile("Bob")
    assert bob is not None
    assert bob.get("aws_access_key_id") == KEY_ID
    assert done.written
    assert done.to_json()["written"] is True
    assert "checks" not in done.to_json()

    said.clear()
    changed = tmp_path / "team.toml"
    changed.write_text(EXAMPLE.read_text().replace('region = "eu-west-1"', 'region = "eu-central-1"', 1))
    before = files(home)
    with pytest.raises(Refused, match="run again with --yes to update"):
        run(onboard.Request(changed, check=False), answer=None)  # no terminal to ask on
    with pytest.raises(Refused, match="not confirmed"):
        run(onboard.Request(changed, check=False), answer=False)
    assert files(home) == before
    kinds = [kind for kind, _ in said]
    assert kinds == ["show", "show", "confirm"]
    assert "+region = eu-central-1" in str(said[0][1])
    assert said[2][1] == "Update Bob as shown above?"
    done = run(onboard.Request(changed, check=False), answer=True)
    assert done.written
    assert said[-1] == ("info", f"update Bob (wrote {home.config})")
