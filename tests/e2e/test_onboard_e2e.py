"""profiles onboard and scripts/onboard-new-engineer.sh against the moto server, read back by the aws CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import Article

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "team.toml"
SCRIPT = ROOT / "scripts" / "onboard-new-engineer.sh"

pytestmark = pytest.mark.e2e


def make_chained_role(article: Article) -> None:
    """The example manifest's chained role: assumable by example-role's AWSCLI-Session."""
    session = f"arn:aws:sts::{article.account}:assumed-role/example-role/AWSCLI-Session"
    audit_arn = article.create_role("example-audit-role", session)
    with article.server.admin_mode():
        article.server.client("iam").put_role_policy(
            RoleName="example-role",
            PolicyName="assume-example-audit",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": audit_arn}],
                }
            ),
        )


def key_json(article: Article, tmp_path: Path) -> Path:
    path = tmp_path / "key.json"
    key = {"UserName": "Bob", "AccessKeyId": article.bob_key_id, "SecretAccessKey": article.bob_secret}
    path.write_text(json.dumps({"AccessKey": key}))
    return path


def key_csv(article: Article, tmp_path: Path) -> Path:
    path = tmp_path / "Bob_accessKeys.csv"
    path.write_text(f"Access key ID,Secret access key\n{article.bob_key_id},{article.bob_secret}\n")
    return path


def both(article: Article) -> tuple[bytes, bytes]:
    return article.home.config.read_bytes(), article.home.credentials.read_bytes()


def test_onboard_from_a_fresh_home_checks_every_profile_ok_and_is_idempotent(
    article: Article, tmp_path: Path
) -> None:
    make_chained_role(article)
    dry = article.profiles(
        "onboard", str(EXAMPLE), "--from-json", str(key_json(article, tmp_path)), "--dry-run"
    )
    assert dry.returncode == 0, dry.stderr
    assert "+[profile example-role]" in dry.stdout
    assert article.bob_secret not in dry.stdout + dry.stderr
    assert not article.home.config.exists()
    assert not article.home.credentials.exists()

    first = article.profiles(
        "onboard", str(EXAMPLE), "--from-json", str(key_json(article, tmp_path)), "--json"
    )
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert {c["profile"]: c["ok"] for c in report["checks"]} == {
        "Bob": True,
        "example-role": True,
        "example-audit": True,
    }
    assert article.bob_secret not in first.stdout + first.stderr

    role = article.aws("sts", "get-caller-identity", "--profile", "example-role")
    assert role.returncode == 0, role.stderr
    assert json.loads(role.stdout)["Arn"].endswith(":assumed-role/example-role/AWSCLI-Session")
    chained = article.aws("sts", "get-caller-identity", "--profile", "example-audit")
    assert chained.returncode == 0, chained.stderr
    assert ":assumed-role/example-audit-role/" in json.loads(chained.stdout)["Arn"]

    written = both(article)
    again = article.profiles("onboard", str(EXAMPLE))
    assert again.returncode == 0, again.stderr
    assert "no changes" in again.stderr
    assert "3 ok, 0 failed" in again.stdout
    assert both(article) == written


def test_manifest_change_updates_only_changed_keys_and_keeps_the_users_profiles(
    article: Article, tmp_path: Path
) -> None:
    make_chained_role(article)
    done = article.profiles(
        "onboard", str(EXAMPLE), "--from-json", str(key_json(article, tmp_path)), "--no-check"
    )
    assert done.returncode == 0, done.stderr
    with article.home.config.open("a") as stream:
        stream.write("\n# my sandbox, not the team's\n[profile sandbox]\nregion = us-west-2\n")
    with article.home.credentials.open("a") as stream:
        stream.write("\n# old key of another job\n[side]\naws_access_key_id = AKIASIDESIDESIDESIDE\n")
    config, credentials = both(article)
    changed = tmp_path / "team.toml"
    changed.write_text(
        EXAMPLE.read_text().replace(
            'role_name = "example-role"', 'role_name = "example-role"\nduration_seconds = 1800'
        )
    )

    refused = article.profiles("onboard", str(changed))
    assert refused.returncode == 3
    assert "+duration_seconds = 1800" in refused.stderr
    assert both(article) == (config, credentials)

    updated = article.profiles("onboard", str(changed), "--yes")
    assert updated.returncode == 0, updated.stderr + updated.stdout
    assert article.home.credentials.read_bytes() == credentials
    old_text = config.decode()
    section = old_text.index("[profile example-role]")
    expected = old_text[:section] + old_text[section:].replace(
        "duration_seconds = 3600", "duration_seconds = 1800", 1
    )
    assert article.home.config.read_text() == expected
    assert "# my sandbox, not the team's" in expected
    role = article.aws("sts", "get-caller-identity", "--profile", "example-role")
    assert role.returncode == 0, role.stderr


def script_env(article: Article, manifest: Path) -> dict[str, str]:
    bin_dir = os.path.dirname(sys.executable)
    return {
        **article.env,
        "PATH": f"{bin_dir}{os.pathsep}{article.env.get('PATH', '')}",
        "TEAM_MANIFEST": str(manifest),
    }


def test_onboarding_script_sets_up_every_profile_from_the_key_csv(article: Article, tmp_path: Path) -> None:
    make_chained_role(article)
    result = subprocess.run(
        ["bash", str(SCRIPT), str(key_csv(article, tmp_path))],
        capture_output=True,
        text=True,
        env=script_env(article, EXAMPLE),
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 ok, 0 failed" in result.stdout
    assert article.bob_secret not in result.stdout + result.stderr
    bob = article.aws("sts", "get-caller-identity", "--profile", "Bob")
    assert json.loads(bob.stdout)["Arn"] == article.bob_arn


def test_onboarding_script_fails_when_a_profile_fails_its_check(article: Article, tmp_path: Path) -> None:
    # No example-audit-role in this account: the chained profile cannot work.
    result = subprocess.run(
        ["bash", str(SCRIPT), str(key_csv(article, tmp_path))],
        capture_output=True,
        text=True,
        env=script_env(article, EXAMPLE),
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode != 0
    assert "2 ok, 1 failed" in result.stdout
