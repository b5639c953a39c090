"""Shell completion: the spec of every command, the fast answers, and the real shells using them."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import botocore.session
import pytest
from typer import _click as click

from awsprofiles import completion
from awsprofiles.cli import completing, main
from awsprofiles.cli import root as profiles
from awsprofiles.cli.completing import SCRIPTS, build_spec, script
from awsprofiles.entry import completion_spec
from awsprofiles.shells import fish_quote
from tests.conftest import Home
from tests.pty_shell import complete_interactively

BIN = os.path.dirname(sys.executable)
SECRET = "never-completed-secret-value"
CONFIG = """\
[default]
region = eu-west-1
[profile "my profile"]
region = eu-west-2
[profile dev]
role_arn = arn:aws:iam::123456789012:role/dev
source_profile = default
[profile a:b]
[profile "it's"]
[profile $HOME]
[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
"""
CREDENTIALS = f"""\
[team dev]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = {SECRET}
[default]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = {SECRET}
"""
#: Both files' profiles as botocore maps them (an [sso-session] is none).
NAMES = ["default", "my profile", "dev", "a:b", "it's", "$HOME", "team dev"]

#: Parameters whose name says "profile" but whose value is not one (with the reason), e.g.
#: ("discover", "name"): a naming template. Any other such parameter must complete profiles.
NOT_PROFILES: dict[tuple[str, str], str] = {("discover", "name"): "a template of profile names"}
PROFILE_PARAMETER = re.compile(r"^(name|names|old|source)$|profile")
#: Parameters that take an [sso-session NAME]: they complete the config file's sessions.
SSO_SESSION_PARAMETER = re.compile(r"^(sso_)?session$")
SSO_SESSIONS = ["corp"]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One spec for the module: it is built from the application once per installation."""
    folder = tmp_path_factory.mktemp("cache")
    completion.load_spec({"XDG_CACHE_HOME": str(folder)}, completion_spec)
    return folder


@pytest.fixture
def files(home: Home, cache: Path, monkeypatch: pytest.MonkeyPatch) -> Home:
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    home.config.parent.mkdir(parents=True)
    home.config.write_text(CONFIG)
    home.credentials.write_text(CREDENTIALS)
    return home


def answer(shell: str, words: list[str], capsys: pytest.CaptureFixture[str], **environ: str) -> list[str]:
    """The completion lines (directive first) for the words after `profiles`, the last one incomplete."""
    env = {**os.environ, completion.COMPLETE_VARIABLE: shell, **environ}
    if shell == "powershell":
        env["_PROFILES_COMPLETE_WORDS"] = "\n".join(words)
    assert completion.respond(words, env, completion_spec) == 0
    return capsys.readouterr().out.splitlines()


def values(words: list[str], capsys: pytest.CaptureFixture[str]) -> list[str]:
    lines = answer("fish", words, capsys)
    assert lines[0] == "plain"
    return [line.split("\t")[0] for line in lines[1:]]


def bash(line: str, capsys: pytest.CaptureFixture[str]) -> list[str]:
    return answer("bash", [], capsys, _PROFILES_COMPLETE_LINE=line)


# ------------------------------------------------------------------ every command, every profile


def test_every_profile_parameter_of_every_command_completes_profile_names(files: Home) -> None:
    """Walks every command of the application: its options are all in the spec, and every
    parameter that takes a profile (or an sso-session) completes the files' names."""
    root = profiles()
    spec = build_spec(root)
    root_ctx = click.Context(root, info_name="profiles")
    commands = root.commands
    assert set(spec["commands"]) == {name for name, command in commands.items() if not command.hidden}
    checked = []
    for name, command in commands.items():
        ctx = click.Context(command, info_name=name, parent=root_ctx)
        described = spec["commands"][name]
        options = [param for param in command.get_params(ctx) if param.param_type_name == "option"]
        assert set(described["options"]) == {opt for param in options for opt in param.opts}, name
        for param in command.get_params(ctx):
            where = f"'profiles {name}' parameter {param.name!r}"
            if SSO_SESSION_PARAMETER.search(param.name or ""):
                expected, kind = SSO_SESSIONS, completion.SSO_SESSION
            elif PROFILE_PARAMETER.search(param.name or "") and (name, param.name) not in NOT_PROFILES:
                expected, kind = NAMES, completion.PROFILE
            else:
                continue
            offered = [item.value for item in param.shell_complete(ctx, "")]
            assert offered == expected, (
                f"{where} does not complete {kind} names: use cli.app.profile_argument/option "
                "or sso_session_option"
            )
            entries = [
                entry
                for entry in [*described["arguments"], *described["options"].values()]
                if entry["param"] == param.name
            ]
            assert entries, where
            assert all(entry["kind"] == kind for entry in entries), where
            checked.append((name, param.name))
    assert {
        ("env", "name"),
        ("add-role", "source"),
        ("check", "names"),
        ("rename", "old"),
        ("console", "name"),
        ("protect", "names"),
        ("unprotect", "names"),
        ("add-sso", "name"),
        ("add-sso", "session"),
        ("login", "name"),
        ("login", "sso_session"),
        ("logout", "name"),
        ("logout", "sso_session"),
        ("discover", "source"),
        ("discover", "org_profile"),
        ("discover", "sso_session"),
    } <= set(checked)
    assert {"completion", "console", "protect", "unprotect", "add-sso", "login", "logout"} <= set(
        spec["commands"]
    )


def test_profile_names_are_botocores_and_the_files_values_never_appear(
    files: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    session = botocore.session.Session()
    assert values(["env", ""], capsys) == NAMES
    assert set(NAMES) == set(session.available_profiles)
    for command in completion.load_spec()["commands"]:
        for words in ([command, ""], [command, "--"], [command, "dev", ""], [command, "--config-file", ""]):
            assert SECRET not in "".join(answer("fish", words, capsys))


def test_commands_options_and_values_complete_where_the_cursor_is(
    files: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    assert {"env", "console", "completion", "add-role"} <= set(values([""], capsys))
    assert values(["co"], capsys) == ["completion", "console"]
    assert values(["--h"], capsys) == ["--help"]
    assert values(["env", "my"], capsys) == ["my profile"]
    assert values(["check", "dev", "de"], capsys) == ["default", "dev"]
    assert values(["add-role", "x", "--source", "d"], capsys) == ["default", "dev"]
    assert values(["add-role", "x", "--source=de"], capsys) == ["--source=default", "--source=dev"]
    assert values(["env", "--sh"], capsys) == ["--shell"]
    assert values(["env", "--shell", "bash", "--sh"], capsys) == []  # given once already
    assert values(["env", "--shell", "p"], capsys) == ["powershell"]
    assert "eu-west-1" in values(["add-user", "x", "--region", "eu-"], capsys)
    assert values(["completion", ""], capsys) == ["bash", "zsh", "fish", "powershell"]
    assert values(["rename", "dev", ""], capsys) == []  # the new name is the user's to choose
    assert values(["nosuchcommand", ""], capsys) == []
    assert values(["console", "dev", "--print", "--r"], capsys) == ["--region"]
    assert values(["protect", "--d"], capsys) == ["--dry-run"]
    assert values(["unprotect", "dev", "my"], capsys) == ["my profile"]
    assert values(["credential-process", "dev", "--from"], capsys) == ["--from-keyring"]
    assert values(["add-user", "x", "--k"], capsys) == ["--keyring"]
    assert values(["login", "--sso-session", ""], capsys) == ["corp"]
    assert values(["logout", "--sso-session=c"], capsys) == ["--sso-session=corp"]
    assert values(["add-sso", "x", "--session", ""], capsys) == ["corp"]
    assert "eu-west-1" in values(["add-sso", "x", "--sso-region", "eu-"], capsys)
    assert values(["discover", "--sso-session", "c"], capsys) == ["corp"]
    assert values(["discover", "--source", "de"], capsys) == ["default", "dev"]
    assert "eu-west-1" in values(["discover", "--region", "eu-"], capsys)
    assert answer("fish", ["discover", "--manifest", ""], capsys) == ["file\t"]


def test_setting_names_start_with_the_profiles_own_and_leave_out_secrets(
    files: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = values(["set", "dev", ""], capsys)
    assert keys[:2] == ["role_arn", "source_profile"]
    assert "region" in keys
    assert "aws_secret_access_key" not in keys
    assert values(["get", "default", "aws_"], capsys)[:1] == ["aws_access_key_id"]
    assert "aws_secret_access_key" not in values(["unset", "default", "aws_"], capsys)


def test_paths_are_left_to_the_shell_and_other_files_are_read(
    files: Home, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert answer("fish", ["list", "--config-file", ""], capsys) == ["file\t"]
    assert answer("fish", ["list", "--config-file=~/x"], capsys) == ["file\t--config-file="]
    assert answer("fish", ["onboard", "te"], capsys) == ["file\t"]
    assert answer("fish", ["exec", "dev", "--", "ls", ""], capsys) == ["file\t"]
    # exec's command line is the command's from its first word: no option of profiles there
    assert answer("fish", ["exec", "dev", "ls", "--"], capsys) == ["file\t"]
    other = tmp_path / "other.config"
    other.write_text("[profile elsewhere]\n")
    assert values(["env", "--config-file", str(other), ""], capsys) == ["elsewhere", "team dev", "default"]


def test_bash_replies_are_quoted_for_bash_and_cut_where_readline_cuts(
    files: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bash("profiles env my", capsys) == ["plain", "my\\ profile"]
    assert bash("profiles env it", capsys) == ["plain", "it\\'s"]
    assert bash("profiles env $", capsys) == ["plain", "\\$HOME"]
    assert bash("profiles env a:", capsys) == ["plain", "b"]
    assert bash("profiles add-role x --source=de", capsys) == ["plain", "default", "dev"]
    assert bash("profiles env 'my p", capsys) == ["plain", "my profile"]
    assert bash('profiles env "it', capsys) == ["plain", "it's"]
    assert bash("profiles env my\\ p", capsys) == ["plain", "my\\ profile"]
    assert bash("profiles get 'my profile' reg", capsys) == ["plain", "region"]


def test_powershell_candidates_are_quoted_for_powershell(
    files: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = answer("powershell", ["env", ""], capsys)
    assert lines[0] == "plain"
    texts = {line.split("\t")[1]: line.split("\t")[0] for line in lines[1:]}
    assert texts["my profile"] == "'my profile'"
    assert texts["it's"] == "'it''s'"
    assert texts["$HOME"] == "'$HOME'"
    assert texts["dev"] == "dev"
    assert answer("powershell", ["list", "--config-file", ""], capsys) == ["file\t"]


# ------------------------------------------------------------------ speed and the cache


def test_a_completion_imports_neither_typer_nor_botocore(files: Home, cache: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), completion.COMPLETE_VARIABLE: "fish"}
    ran = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "awsprofiles", "env", "te"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert ran.stdout == "plain\nteam dev\n"
    imported = {line.split("|")[-1].strip().split(".")[0] for line in ran.stderr.splitlines()}
    assert not imported & {"typer", "click", "botocore", "boto3", "rich", "pydantic", "configupdater"}


def test_the_spec_is_rebuilt_when_the_code_changes_and_a_broken_cache_is_no_error(
    files: Home, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = completion.load_spec()
    builds = []
    monkeypatch.setattr(completing, "build_spec", lambda root: builds.append(1) or spec)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    folder = Path(completion.cache_dir())
    folder.mkdir(parents=True)
    installation = completion.installation()
    (folder / f"completion-{installation}-old.json").write_text("{}")  # an older version's
    (folder / "completion-0ther000-x.json").write_text("{}")  # another installation's
    monkeypatch.setattr(completion, "fingerprint", lambda: "new")
    (folder / f"completion-{installation}-new.json").write_text("{not json")
    assert values(["env", "my"], capsys) == ["my profile"]
    left = {path.name for path in folder.iterdir()}
    assert left == {"completion-0ther000-x.json", f"completion-{installation}-new.json"}
    assert values(["env", "my"], capsys) == ["my profile"]
    assert len(builds) == 1  # then read from the cache
    # A cache that cannot be written (a file where the folder should be): answered all the same.
    blocked = tmp_path / "blocked"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert values(["env", "my"], capsys) == ["my profile"]
    assert len(builds) == 2


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))  # a cache read without end stops here


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "deep", "huge"])
def test_a_spec_cache_that_is_not_a_small_regular_json_file_is_rebuilt_without_hanging(
    files: Home, cache: Path, tmp_path: Path, kind: str
) -> None:
    """Anything in the cache folder is untrusted: a FIFO, a link to /dev/zero, a JSON document
    nested too deep or too large is a missing spec, built again, never a hang or an empty answer."""
    folder = tmp_path / "awsprofiles"
    shutil.copytree(cache / "awsprofiles", folder)
    spec = folder / f"completion-{completion.installation()}-{completion.fingerprint()}.json"
    assert spec.is_file()
    spec.unlink()
    if kind == "fifo":
        os.mkfifo(spec)
    elif kind == "dev-zero":
        spec.symlink_to("/dev/zero")
    elif kind == "deep":
        spec.write_text("[" * 100_000 + "]" * 100_000)
    else:
        spec.write_text('{"x": "' + "x" * (completion.MAX_SPEC_SIZE + 1) + '"}')
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), completion.COMPLETE_VARIABLE: "fish"}
    ran = subprocess.run([sys.executable, "-m", "awsprofiles", "env", "te"], capture_output=True, text=True,
                         env=env, timeout=30, preexec_fn=_limit_memory)  # fmt: skip
    assert (ran.stdout, ran.stderr) == ("plain\nteam dev\n", "")
    assert not spec.is_symlink()
    assert json.loads(spec.read_text())["version"] == completion.SPEC_VERSION


# ------------------------------------------------------------------ the scripts, in the real shells


def shell_env(files: Home, cache: Path) -> dict[str, str]:
    return {**os.environ, "PATH": BIN + os.pathsep + os.environ["PATH"], "XDG_CACHE_HOME": str(cache)}


def needs(shell: str) -> str:
    binary = shutil.which(shell)
    if binary is None:
        pytest.skip(f"{shell} is not installed")
    return binary


def test_completion_prints_each_script_and_refuses_other_shells(
    files: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    for shell in SCRIPTS:
        assert main(["completion", shell]) == 0
        assert "_PROFILES_COMPLETE" in capsys.readouterr().out
    assert main(["completion", "tcsh"]) == 2
    assert "unknown shell 'tcsh'" in capsys.readouterr().err


def test_bash_completion_function_fills_compreply(files: Home, cache: Path, tmp_path: Path) -> None:
    binary = needs("bash")
    path = tmp_path / "profiles.bash"
    path.write_text(script("bash"))
    drive = f"""
source {path}
complete -p profiles
t() {{ COMP_LINE=$1; COMP_POINT=${{#1}}; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
      _profiles profiles "${{COMP_WORDS[COMP_CWORD]}}"; printf '<%s>' "${{COMPREPLY[@]}}"; echo; }}
t 'profiles env my' profiles env my
t 'profiles env a:' profiles env a :
t 'profiles co' profiles co
t 'profiles list --config-file {tmp_path}/prof' profiles list --config-file {tmp_path}/prof
"""
    ran = subprocess.run(
        [binary, "--norc", "-c", drive], capture_output=True, text=True, env=shell_env(files, cache)
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines() == [
        "complete -F _profiles profiles",
        "<my\\ profile>",
        "<b>",
        "<completion><console>",
        f"<{tmp_path}/profiles.bash>",
    ]


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_tab_in_a_real_interactive_shell_inserts_quoted_names(
    shell: str, files: Home, cache: Path, tmp_path: Path
) -> None:
    binary = needs(shell)
    if shell == "bash":
        (tmp_path / "profiles.bash").write_text(script("bash"))
        argv = [binary, "--norc", "--noprofile", "-i"]
        setup = f"source {tmp_path}/profiles.bash"
    else:
        (tmp_path / "_profiles").write_text(script("zsh"))
        argv = [binary, "-f", "-i"]
        setup = f"fpath=({tmp_path} $fpath); autoload -U compinit; compinit -u -D"
    typed = [
        "profiles env my",
        "profiles env a:",
        "profiles env 'my p",
        'profiles env "it',
        "profiles env \\$H",
        "profiles add-role x --source=tea",
    ]
    words = complete_interactively(argv, setup, typed, env=shell_env(files, cache), cwd=tmp_path)
    assert words == [
        ["profiles", "env", "my profile"],
        ["profiles", "env", "a:b"],
        ["profiles", "env", "my profile"],
        ["profiles", "env", "it's"],
        ["profiles", "env", "$HOME"],
        ["profiles", "add-role", "x", "--source=team dev"],
    ]


def test_fish_completes_names_options_and_paths(files: Home, cache: Path, tmp_path: Path) -> None:
    binary = needs("fish")
    path = tmp_path / "profiles.fish"
    path.write_text(script("fish"))
    lines = [
        "profiles env my",
        "profiles env team\\ ",
        "profiles env 'it",
        "profiles add-role x --source=d",
        "profiles env --sh",
        f"profiles list --config-file={tmp_path}/prof",
        "profiles login --sso-session ",
    ]
    drive = f"source {path}\n" + "".join(f"complete -C {fish_quote(line)}; echo ==\n" for line in lines)
    ran = subprocess.run(
        [binary, "--no-config", "-c", drive], capture_output=True, text=True, env=shell_env(files, cache)
    )
    assert ran.returncode == 0, ran.stderr
    answers = [block.strip().splitlines() for block in ran.stdout.split("==\n")[:-1]]
    assert answers == [
        ["my profile"],
        ["team dev"],
        ["it's"],
        ["--source=default", "--source=dev"],
        [f"--shell\t{SHELL_HELP}"],
        [f"--config-file={tmp_path}/profiles.fish"],
        ["corp"],
    ]


SHELL_HELP = (
    "One of bash, zsh, sh, fish, powershell, cmd, dotenv, json "
    "[default: detected from $SHELL, PSModulePath, ComSpec]."
)


def test_powershell_script_registers_a_native_completer_that_passes_the_words(files: Home) -> None:
    text = script("powershell")
    assert "Register-ArgumentCompleter -Native -CommandName 'profiles', 'profiles.exe'" in text
    assert "$env:_PROFILES_COMPLETE = 'powershell'" in text
    assert '$env:_PROFILES_COMPLETE_WORDS = $words -join "`n"' in text
    assert "CompletionResult]::new($text, $value, 'ParameterValue', $description)" in text
    assert "Remove-Item Env:_PROFILES_COMPLETE, Env:_PROFILES_COMPLETE_WORDS" in text


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_scripts_are_valid_shell_syntax(shell: str, tmp_path: Path) -> None:
    binary = needs(shell)
    path = tmp_path / "script"
    path.write_text(script(shell))
    ran = subprocess.run([binary, "-n", str(path)], capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr


def test_building_the_spec_leaves_the_commands_as_the_cli_reads_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # One group serves the process (awsprofiles.cli.registry.root), and click keeps a command's
    # help option from the first context it is asked in: the spec asks with the CLI's own.
    spec = build_spec(profiles())
    assert {"-h", "--help"} <= set(spec["commands"]["list"]["options"])
    assert main(["list", "--help"]) == 0
    assert "-h, --help" in capsys.readouterr().out
    assert main(["list", "-h"]) == 0
