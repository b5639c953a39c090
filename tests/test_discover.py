"""profiles discover --source against moto in-process: what is proposed, written, pruned and named."""

from __future__ import annotations

import json
import os
import random
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from moto import mock_aws

from awsprofiles import discover, manifest, store
from awsprofiles.aws import iam
from awsprofiles.cli import main
from tests.conftest import Home

ACCOUNT = "123456789012"
BOB = f"arn:aws:iam::{ACCOUNT}:user/Bob"


def trust(principal: object, condition: object = None) -> str:
    statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


@dataclass
class Aws:
    iam: Any
    organizations: Any

    def role(self, name: str, principal: object, path: str = "/", condition: object = None) -> str:
        document = trust(principal, condition)
        made = self.iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=document)
        return str(made["Role"]["Arn"])

    def account(self, name: str) -> str:
        made = self.organizations.create_account(
            AccountName=name, Email=f"{len(name)}{hash(name)}@example.com"
        )
        return str(made["CreateAccountStatus"]["AccountId"])


@pytest.fixture
def aws(home: Home) -> Iterator[Aws]:
    """Bob and his key in the files (region eu-west-1), in an account moto emulates in-process."""
    with mock_aws():
        iam = boto3.client("iam", region_name="us-east-1")
        iam.create_user(UserName="Bob")
        key = iam.create_access_key(UserName="Bob")["AccessKey"]
        home.config.parent.mkdir(parents=True)
        home.config.write_text("# my own profiles\n[profile Bob]\nregion = eu-west-1\n")
        home.credentials.write_text(
            f"[Bob]\naws_access_key_id = {key['AccessKeyId']}\n"
            f"aws_secret_access_key = {key['SecretAccessKey']}\n"
        )
        os.chmod(home.credentials, 0o600)
        yield Aws(iam, boto3.client("organizations", region_name="us-east-1"))


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def files(home: Home) -> tuple[bytes, bytes]:
    return home.config.read_bytes(), home.credentials.read_bytes()


def test_only_roles_whose_trust_admits_the_source_are_proposed_and_a_dry_run_writes_nothing(
    aws: Aws, home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    deploy = aws.role("deploy", {"AWS": BOB})
    aws.role("reader", {"AWS": f"arn:aws:iam::{ACCOUNT}:root"})
    ci = aws.role("ci", {"AWS": f"arn:aws:iam::{ACCOUNT}:user/ci"})
    before = files(home)
    code, out, err = run(capsys, "discover", "--source", "Bob")
    assert code == 0, err
    assert files(home) == before
    assert f"+role_arn = {deploy}" in out
    assert "+[profile 123456789012.deploy]" in out
    assert "+[profile 123456789012.reader]" in out
    assert "+profiles_discovered_from = source:Bob" in out
    assert f"skipped {ci}: its trust policy allows arn:aws:iam::{ACCOUNT}:user/ci, not {BOB}" in err
    assert "would create 123456789012.deploy, 123456789012.reader" in err
    assert "run again with --apply" in err


def test_a_role_only_aws_can_judge_is_skipped_unless_verify_assumes_it(
    aws: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    office = aws.role("office", {"AWS": BOB}, condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})
    code, out, err = run(capsys, "discover", "--source", "Bob", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["profiles"] == []
    reason = "its condition IpAddress on aws:SourceIp can only be tested by trying (--verify)"
    assert report["skipped"] == [{"what": office, "reason": reason}]
    code, out, err = run(capsys, "discover", "--source", "Bob", "--json", "--verify")
    assert code == 0, err
    assert [(p["role_arn"], p["verified"]) for p in json.loads(out)["profiles"]] == [(office, True)]


def test_apply_writes_profiles_botocore_reads_and_a_second_run_changes_nothing(
    aws: Aws, home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    deploy = aws.role("deploy", {"AWS": BOB}, path="/team/")
    code, out, err = run(capsys, "discover", "--source", "Bob", "--apply", "--name", "{role_name}")
    assert code == 0, err
    assert out.splitlines()[1].split() == ["deploy", "create", ACCOUNT, deploy]
    assert f"1 role found, 0 skipped; create deploy (wrote {home.config})" in err
    assert home.config.read_text().startswith("# my own profiles\n[profile Bob]\nregion = eu-west-1\n")
    profile = botocore.session.Session(profile="deploy").get_scoped_config()
    assert profile == {
        "role_arn": deploy,
        "source_profile": "Bob",
        "role_session_name": "Bob",
        "region": "eu-west-1",
        "profiles_discovered_from": "source:Bob",
    }
    written = files(home)
    code, _, err = run(capsys, "discover", "--source", "Bob", "--apply", "--name", "{role_name}")
    assert code == 0, err
    assert "no changes: every discovered profile is already in place" in err
    assert files(home) == written
    # The marker is a key the lint knows: no warning about it.
    code, out, _ = run(capsys, "check", "--offline", "deploy")
    assert code == 0
    assert "botocore knows" not in out


def test_prune_removes_only_generated_profiles_whose_role_is_gone(
    aws: Aws, home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("stays", "goes", "chained", "served"):
        aws.role(name, {"AWS": BOB})
    assert run(capsys, "discover", "--source", "Bob", "--apply", "--name", "{role_name}")[0] == 0
    with home.config.open("a") as config:
        config.write(
            f"\n[profile mine]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/goes\nsource_profile = Bob\n"
            "\n[profile on-top]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = chained\n"
            "\n[profile runner]\ncredential_process = profiles credential-process served\n"
        )
    for name in ("goes", "chained", "served"):
        aws.iam.delete_role(RoleName=name)

    code, out, err = run(capsys, "discover", "--source", "Bob", "--name", "{role_name}", "--prune")
    assert code == 0, err
    assert "-[profile goes]" in out
    assert "would remove goes" in err
    assert (
        "kept 'chained' although discover no longer finds its role: it is the source_profile of on-top" in err
    )
    assert (
        "kept 'served' although discover no longer finds its role: "
        "it is run by the credential_process of runner" in err
    )
    code, _, err = run(capsys, "discover", "--source", "Bob", "--name", "{role_name}", "--prune", "--apply")
    assert code == 0, err
    snapshot = store.load(home.paths)
    assert snapshot.names() == ["Bob", "chained", "served", "stays", "mine", "on-top", "runner"]


def test_a_prune_diff_of_the_credentials_file_masks_it_as_a_credentials_file(
    aws: Aws, home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.role("goes", {"AWS": BOB})
    assert run(capsys, "discover", "--source", "Bob", "--apply", "--name", "{role_name}")[0] == 0
    with home.credentials.open("a") as credentials:
        credentials.write("[goes]\n# old secret: COMMENTEDSECRETVALUE\nregion = eu-west-1\n")
    aws.iam.delete_role(RoleName="goes")
    code, out, err = run(capsys, "discover", "--source", "Bob", "--name", "{role_name}", "--prune")
    assert code == 0, err
    assert f"--- {home.credentials} (now)" in out
    assert "COMMENTEDSECRETVALUE" not in out + err


def test_a_diff_shows_control_characters_escaped(
    aws: Aws, home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.role("deploy", {"AWS": BOB})
    with home.config.open("a") as config:  # beside the new profile, so the diff shows it as context
        config.write("[profile evil\x1b[2J]\nregion = eu-west-1\n")
    code, out, err = run(capsys, "discover", "--source", "Bob", "--name", "{role_name}")
    assert code == 0, err
    assert "+[profile deploy]" in out
    assert "\x1b" not in out
    assert "evil\\x1b[2J" in out


def test_a_role_a_hand_written_profile_assumes_is_not_generated_again_and_its_name_is_never_taken(
    aws: Aws, home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    deploy = aws.role("deploy", {"AWS": BOB})
    audit = aws.role("audit", {"AWS": BOB})
    with home.config.open("a") as config:
        config.write(
            f"[profile my-deploy]\nrole_arn = {deploy}\nsource_profile = Bob\n[profile audit]\nregion = x\n"
        )
    before = home.config.read_text()
    code, out, err = run(capsys, "discover", "--source", "Bob", "--apply", "--name", "{role_name}", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert [(p["name"], p["role_arn"]) for p in report["profiles"]] == [(f"audit-{ACCOUNT}", audit)]
    assert {"what": deploy, "reason": "profile 'my-deploy' already assumes it"} in report["skipped"]
    assert home.config.read_text().startswith(before)  # the user's own lines, byte for byte


def test_apply_is_one_safe_transaction_refused_when_the_files_change_and_nothing_written_on_failure(
    aws: Aws, home: Home, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    aws.role("deploy", {"AWS": BOB})
    # The config is a symlink to a private file: both survive a write.
    real = tmp_path / "dotfiles" / "aws-config"
    real.parent.mkdir()
    home.config.rename(real)
    home.config.symlink_to(real)
    os.chmod(real, 0o600)
    args = ["discover", "--source", "Bob", "--apply", "--name", "{role_name}"]

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(store.fileio, "atomic_write", full_disk)
        code, out, err = run(capsys, *args)
    assert (code, out) == (4, "")
    assert err == f"error: cannot write {home.config}: No space left on device; no file was changed\n"

    planned = discover.plan_files

    def then_edited(*plan_args: Any, **kwargs: Any) -> discover.FilesPlan:
        result = planned(*plan_args, **kwargs)
        with real.open("a") as config:
            config.write("[profile meanwhile]\nregion = us-east-1\n")
        return result

    before = files(home)
    with monkeypatch.context() as patched:
        patched.setattr(discover, "plan_files", then_edited)
        code, _, err = run(capsys, *args)
    assert code == 3
    assert "changed while discovering; nothing was written, run it again" in err
    assert files(home) == (before[0] + b"[profile meanwhile]\nregion = us-east-1\n", before[1])

    assert run(capsys, *args)[0] == 0
    assert home.config.is_symlink()
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    assert store.load(home.paths).profile("deploy") is not None


def candidate(account_id: str, account_name: str, role_name: str) -> discover.Candidate:
    arn = f"arn:aws:iam::{account_id}:role/{role_name}"
    return discover.Candidate(
        account_id, account_name, role_name, {"role_arn": arn}, ("role_arn",), "", {"role_arn": arn}
    )


def test_names_are_sanitised_and_collisions_resolved_the_same_way_whatever_the_order() -> None:
    candidates = [
        candidate("111111111111", "Prod (EU) ", "Admin"),
        candidate("222222222222", "Zürich Lab", "Read Only"),
        candidate("333333333333", "Shared", "Admin"),
        candidate("444444444444", "Shared", "Admin"),
        candidate("555555555555", "x#;[]", "default"),
        candidate("666666666666", "", "default"),
        candidate("777777777777", "Shared", "Admin-444444444444"),
    ]
    expected = {
        "Prod-EU.Admin": "111111111111",
        "Zurich-Lab.Read-Only": "222222222222",
        "Shared.Admin": "333333333333",
        "Shared.Admin-444444444444": "444444444444",
        "Shared.Admin-444444444444-777777777777": "777777777777",
        "x.default": "555555555555",
        "default-666666666666": "666666666666",
    }
    for _ in range(5):
        random.shuffle(candidates)
        named = discover.assign_names(candidates, "{account_name}.{role_name}", "Bob", lambda name: False)
        assert {n.name: n.candidate.account_id for n in named} == expected
    # A new account never renames the profile an earlier run made: 444 keeps its name.
    current = {"444444444444": "Shared.Admin"}.get
    kept = discover.assign_names(
        candidates, "{account_name}.{role_name}", "Bob", lambda name: False, lambda c: current(c.account_id)
    )
    assert {n.name: n.candidate.account_id for n in kept if "Shared.Admin" in n.name} == {
        "Shared.Admin": "444444444444",
        "Shared.Admin-333333333333": "333333333333",
        "Shared.Admin-444444444444": "777777777777",
    }
    admin = candidate("111111111111", "Prod", "Admin")
    taken = discover.assign_names([admin], "{role_name}", "Bob", {"Admin"}.__contains__)
    assert [n.name for n in taken] == ["Admin-111111111111"]


def test_every_page_of_the_organization_and_a_manifest_onboard_accepts(
    aws: Aws, home: Home, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.organizations.create_organization(FeatureSet="ALL")
    ids = {aws.account(f"team {number:02d}") for number in range(iam.ACCOUNTS_PER_PAGE + 1)}
    team = tmp_path / "team.toml"
    code, _out, err = run(capsys, "discover", "--source", "Bob", "--organization", "--manifest", str(team))
    assert code == 0, err
    loaded = manifest.load(team)
    assert {role.values["role_arn"].split(":")[4] for role in loaded.roles} == ids
    assert "team-07.OrganizationAccountAccessRole" in loaded.profile_names()
    assert stat.S_IMODE(team.stat().st_mode) == 0o644
    assert team.read_text().startswith(discover.MANIFEST_HEADER)
    assert f"wrote {team}" in err

    written = team.read_bytes()
    code, _, err = run(capsys, "discover", "--source", "Bob", "--organization", "--manifest", str(team))
    assert (code, team.read_bytes()) == (0, written)
    assert "no changes" in err
    assert run(capsys, "onboard", str(team), "--no-check")[0] == 0
    assert store.load(home.paths).profile("team-20.OrganizationAccountAccessRole") is not None


def test_a_manifest_discover_did_not_write_is_never_replaced(
    aws: Aws, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.role("deploy", {"AWS": BOB})
    team = tmp_path / "team.toml"
    team.write_text('[source]\nprofile = "Bob"\n')
    code, _out, err = run(capsys, "discover", "--source", "Bob", "--manifest", str(team))
    assert code == 3
    assert (
        err == f"error: {team} exists and was not written by profiles discover; nothing was written "
        "(choose another file, or move it away first)\n"
    )
    assert team.read_text() == '[source]\nprofile = "Bob"\n'


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "nobody"], "no profile named 'nobody' (given to --source; run 'profiles list'"),
        (["--source", "Bobb"], "no profile named 'Bobb'; did you mean 'Bob'? (given to --source;"),
        (
            ["--source", "Bob", "--organization", "--org-profile", "bob"],
            "no profile named 'bob'; did you mean 'Bob'? (given to --org-profile;",
        ),
        (["--source", "Bob", "--name", "{account}"], "unknown field {account} (allowed: {account_name}"),
        (["--source", "Bob", "--name", "{role_name!r}"], "unknown field {role_name}"),
        (["--source", "Bob", "--name", "fixed"], "names no field"),
        (["--source", "Bob", "--role-name", "Admin"], "--role-name needs --organization"),
        (["--source", "Bob", "--manifest", "t.toml", "--prune"], "--prune edits the profiles"),
        (["--source", "Bob", "--manifest", "t.toml", "--apply"], "not both"),
        (["--organization"], "give --sso-session SESSION (IAM Identity Center) or --source PROFILE"),
        (["--sso-session", "acme", "--organization"], "go with --source, not --sso-session"),
    ],
)
def test_bad_input_exits_2_before_any_aws_call(
    home: Home, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    home.config.parent.mkdir(parents=True)
    home.config.write_text("[profile Bob]\nregion = eu-west-1\n")
    code, out, err = run(capsys, "discover", *args)
    assert (code, out) == (2, "")
    assert message in err
    assert err.startswith("error: ")
    assert err.count("\n") == 1


def test_a_discover_request_refuses_options_that_do_not_go_together_before_anything_is_read() -> None:
    from awsprofiles.errors import BadInput

    with pytest.raises(BadInput, match="give --sso-session SESSION"):
        discover.Request(source="Bob", sso_session="acme", name="{role_name}")
    with pytest.raises(BadInput, match="--dry-run and --apply contradict each other"):
        discover.Request(source="Bob", dry_run=True, apply=True, name="{role_name}")
    with pytest.raises(BadInput, match="names no field"):
        discover.Request(source="Bob", name="fixed")
    assert (
        discover.Request(sso_session="acme", manifest=Path("team.toml"), name="{role_name}").dry_run is False
    )


def test_the_headline_counts_the_skipped_lines_it_follows(
    aws: Aws, home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 19 item 7: a role a hand-written profile assumes was said 'skipped' and not counted."""
    deploy = aws.role("deploy", {"AWS": BOB})
    aws.role("audit", {"AWS": BOB})
    aws.role("ci", {"AWS": f"arn:aws:iam::{ACCOUNT}:user/ci"})
    with home.config.open("a") as config:
        config.write(f"[profile my-deploy]\nrole_arn = {deploy}\nsource_profile = Bob\n")
    for extra in ([], ["--apply"]):
        code, _, err = run(capsys, "discover", "--source", "Bob", *extra)
        assert code == 0, err
        skipped = [line for line in err.splitlines() if line.startswith("skipped ")]
        assert len(skipped) == 2, err
        assert "1 role found, 2 skipped;" in err
    code, out, err = run(capsys, "discover", "--source", "Bob", "--json")
    assert len(json.loads(out)["skipped"]) == 2


def test_every_way_of_writing_a_role_names_its_sessions_after_the_source_user(
    aws: Aws, home: Home, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 19 item 20: add-role and discover --apply wrote role_session_name = Bob, while the
    roles onboard wrote (from discover's --manifest or any manifest) got botocore-session-NNN."""
    deploy = aws.role("deploy", {"AWS": BOB})
    aws.role("audit", {"AWS": BOB})
    team = tmp_path / "team.toml"
    code, _, err = run(
        capsys, "discover", "--source", "Bob", "--manifest", str(team), "--name", "{role_name}"
    )
    assert code == 0, err
    code, _, err = run(capsys, "onboard", str(team))
    assert code == 0, err
    code, _, err = run(capsys, "add-role", "added", "--source", "Bob", "--role-arn", deploy)
    assert code == 0, err
    code, _, err = run(capsys, "discover", "--source", "Bob", "--apply", "--name", "found.{role_name}")
    assert code == 0, err
    named = {p.name: p.get("role_session_name") for p in store.load(home.paths).profiles()}
    assert named == {"Bob": None, **dict.fromkeys(["deploy", "audit", "added"], "Bob")}

    # A new engineer: the key comes with onboard, the profiles do not exist yet.
    key = aws.iam.create_access_key(UserName="Bob")["AccessKey"]
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps({"AccessKey": key}, default=str))
    home.config.unlink()
    home.credentials.unlink()
    code, _, err = run(capsys, "onboard", str(team), "--from-json", str(key_file))
    assert code == 0, err
    assert {p.name: p.get("role_session_name") for p in store.load(home.paths).profiles()} == {
        "Bob": None,
        "deploy": "Bob",
        "audit": "Bob",
    }
    assert botocore.session.Session(profile="deploy").get_scoped_config()["role_session_name"] == "Bob"
