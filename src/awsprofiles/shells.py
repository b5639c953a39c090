"""Environment variables that put a profile's credentials in a shell, and how each shell says it.

Every value is quoted for its shell, whatever its origin: a region read from the user's file is
as untrusted as anything else, and ``eval "$(profiles env NAME)"`` must never run a part of it.

Besides the credentials, ``profiles env`` remembers what it replaces: the first time it runs in a
shell it copies AWS_PROFILE, AWS_DEFAULT_PROFILE, AWS_REGION and AWS_DEFAULT_REGION to
``PROFILES_SAVED_<NAME>`` and marks the shell with ``PROFILES_ACTIVE``; ``profiles env --unset``
removes the credentials and puts those values back, so the person is again who they were.

Pure: no I/O and no botocore, so ``profiles env --unset`` starts fast.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping

from awsprofiles import model
from awsprofiles.errors import BadInput
from awsprofiles.expiry import iso8601
from awsprofiles.model import Credentials

SHELLS = ("bash", "zsh", "sh", "fish", "powershell", "cmd", "dotenv", "json")
POSIX_SHELLS = frozenset({"bash", "zsh", "sh"})

ACCESS_KEY_ID = "AWS_ACCESS_KEY_ID"
SECRET_ACCESS_KEY = "AWS_SECRET_ACCESS_KEY"
SESSION_TOKEN = "AWS_SESSION_TOKEN"
EXPIRATION = "AWS_CREDENTIAL_EXPIRATION"
# Older SDKs (and botocore, as a fallback) read the session token from here.
SECURITY_TOKEN = "AWS_SECURITY_TOKEN"
REGION_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION")
# botocore takes the profile from either; a leftover one would confuse later tools.
PROFILE_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")
CREDENTIAL_VARIABLES = (ACCESS_KEY_ID, SECRET_ACCESS_KEY, SESSION_TOKEN, EXPIRATION, SECURITY_TOKEN)
#: The variables that hold a secret (AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_SECURITY_TOKEN):
#: a refusal never shows their value.
SECRET_VARIABLES = frozenset(key.upper() for key in model.SECRET_KEYS)
SAVED_VARIABLES = PROFILE_VARIABLES + REGION_VARIABLES
#: A credential endpoint in the format of the ECS container credentials provider, which every SDK
#: and the CLI read (`awsprofiles.endpoint`): its URL and the token that opens it.
ENDPOINT_URL = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
ENDPOINT_TOKEN = "AWS_CONTAINER_AUTHORIZATION_TOKEN"
#: What the SDKs would prefer to the endpoint: inherited container settings (ECS, CodeBuild,
#: EKS Pod Identity) and a web identity in the environment (EKS IRSA).
ENDPOINT_SHADOWS = (
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
)
ACTIVE = "PROFILES_ACTIVE"
SAVED_PREFIX = "PROFILES_SAVED_"

#: (name, value) in order; a value of None removes the variable.
Assignments = list[tuple[str, str | None]]


def credential_assignments(credentials: Credentials) -> Assignments:
    """The credentials, and the removal of everything that would contradict them."""
    temporary = credentials.session_token is not None
    assignments: Assignments = [
        (ACCESS_KEY_ID, credentials.access_key_id),
        (SECRET_ACCESS_KEY, credentials.secret_access_key),
        (SESSION_TOKEN, credentials.session_token if temporary else None),
        (
            EXPIRATION,
            iso8601(credentials.expiration) if temporary and credentials.expiration is not None else None,
        ),
        (SECURITY_TOKEN, None),
    ]
    if credentials.region:
        assignments += [(name, credentials.region) for name in REGION_VARIABLES]
    assignments += [(name, None) for name in PROFILE_VARIABLES]
    return assignments


def endpoint_assignments(url: str, token: str, region: str | None) -> Assignments:
    """The environment of a command that gets its credentials from the endpoint at ``url``: the
    endpoint, and none of what an SDK would use before it (keys, a profile, other containers')
    endpoints, a web identity)."""
    assignments: Assignments = [(ENDPOINT_URL, url), (ENDPOINT_TOKEN, token)]
    assignments += [(name, None) for name in (*CREDENTIAL_VARIABLES, *ENDPOINT_SHADOWS)]
    if region:
        assignments += [(name, region) for name in REGION_VARIABLES]
    assignments += [(name, None) for name in PROFILE_VARIABLES]
    return assignments


def _saved(environ: Mapping[str, str]) -> Assignments:
    """What --unset restores, saved the first time: a second `profiles env` must not save the
    first one's values. `saving` is the same rule in a shell's own words, for lines another shell
    runs."""
    if ACTIVE in environ:
        return []
    return [(SAVED_PREFIX + name, environ[name]) for name in SAVED_VARIABLES if name in environ]


def use_assignments(credentials: Credentials, profile: str, environ: Mapping[str, str]) -> Assignments:
    """What ``profiles env NAME`` sets: the credentials, after saving what --unset restores."""
    return [*_saved(environ), *credential_assignments(credentials), (ACTIVE, profile)]


def serve_assignments(url: str, token: str, region: str | None, profile: str) -> Assignments:
    """What ``profiles serve NAME`` prints after `saving`'s lines: the endpoint."""
    return [*endpoint_assignments(url, token, region), (ACTIVE, profile)]


def saving(shell: str) -> str:
    """`_saved`'s rule for lines another shell runs (``profiles serve``'s, pasted): that shell, as
    it runs them, copies its own AWS_PROFILE and region to PROFILES_SAVED_*, unless it is marked
    already; a variable it does not have stays unset, and --unset leaves it so.

    cmd cannot (its %NAME% is expanded before an ``if`` runs, and a value may break the quotes),
    nor can a dotenv file: their lines save nothing, and --unset restores nothing there."""
    lines = []
    for name in SAVED_VARIABLES:
        saved = SAVED_PREFIX + name
        if shell in POSIX_SHELLS:
            lines.append(
                f'if [ -z "${{{ACTIVE}+x}}" ] && [ -n "${{{name}+x}}" ]; then export {saved}="${name}"; fi'
            )
        elif shell == "fish":
            lines.append(f'if not set -q {ACTIVE}; and set -q {name}; set -gx {saved} "${name}"; end')
        elif shell == "powershell":
            lines.append(
                f"if (-not (Test-Path Env:{ACTIVE}) -and (Test-Path Env:{name})) "
                f"{{ $Env:{saved} = $Env:{name} }}"
            )
    return "".join(line + "\n" for line in lines)


def serve_set_endpoint(environ: Mapping[str, str]) -> bool:
    """Whether the environment's endpoint is one `profiles serve` set (a loopback URL, in a shell
    that `profiles` marked): --unset removes it then, and never an ECS or EKS one."""
    return ACTIVE in environ and environ.get(ENDPOINT_URL, "").startswith("http://127.0.0.1:")


def unset_assignments(environ: Mapping[str, str]) -> Assignments:
    """What ``profiles env --unset`` does: remove the credentials, restore what was saved."""
    assignments: Assignments = [(name, None) for name in CREDENTIAL_VARIABLES]
    if serve_set_endpoint(environ):
        assignments += [(ENDPOINT_URL, None), (ENDPOINT_TOKEN, None)]
    for name in SAVED_VARIABLES:
        saved = SAVED_PREFIX + name
        if saved in environ:
            assignments += [(name, environ[saved]), (saved, None)]
        elif name in REGION_VARIABLES and ACTIVE in environ:
            assignments.append((name, None))  # set by `profiles env`, not there before
    assignments.append((ACTIVE, None))
    return assignments


def credential_process_json(credentials: Credentials) -> str:
    """The output the AWS SDKs expect from a ``credential_process`` (Version 1)."""
    document: dict[str, object] = {
        "Version": 1,
        "AccessKeyId": credentials.access_key_id,
        "SecretAccessKey": credentials.secret_access_key,
    }
    if credentials.session_token is not None:
        document["SessionToken"] = credentials.session_token
        if credentials.expiration is not None:
            document["Expiration"] = iso8601(credentials.expiration)
    for field, value in document.items():
        if isinstance(value, str):
            _refuse_unwritable("json", field, value, secret=True)
    return json.dumps(document, indent=2) + "\n"


# --------------------------------------------------------------------------- quoting

# C0 and C1 control characters and the Unicode line and paragraph separators: the characters some
# reader of a line (a shell, .NET's line reader, a terminal) takes as a line end or a command.
_CONTROL = "\x00-\x1f\x7f-\x9f\u2028\u2029"
# What the OS and the terminal's encoding cannot carry: a NUL ends an environment variable, and a
# lone surrogate is what non-UTF-8 bytes in the environment become.
#
# The patterns are compiled by `re` when first used (and kept in its cache): a class of
# non-Latin-1 characters costs `re` half a millisecond to compile, the shells' four together
# more than `env`'s own work.
_SURROGATE = "[\ud800-\udfff]"


def _shown(name: str, value: str) -> str:
    return "its value" if name in SECRET_VARIABLES else repr(value)


def _refuse_unwritable(shell: str, name: str, value: str, secret: bool = False) -> None:
    """Every shell: a value is written whole or not at all, never silently shortened."""
    shown = "its value" if secret else _shown(name, value)
    if "\x00" in value:
        raise BadInput(
            f"{name} cannot be written for {shell}: {shown} contains a NUL character, which no "
            "environment variable can hold"
        )
    if not value.isascii() and re.search(_SURROGATE, value):
        raise BadInput(
            f"{name} cannot be written for {shell}: {shown} holds bytes that are not UTF-8; "
            "the output is UTF-8 text"
        )


def posix_quote(value: str) -> str:
    """Single quotes: nothing inside them is special to a POSIX shell but the quote itself."""
    return "'" + value.replace("'", "'\\''") + "'"


def fish_quote(value: str) -> str:
    """fish's single quotes understand exactly two escapes: \\\\ and \\'."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


# PowerShell takes the typographic single quotes as quotes too, so they are doubled as well.
_POWERSHELL_QUOTES = "(['\u2018\u2019\u201a\u201b])"


# `... | Invoke-Expression` runs each line of the output on its own: a line break inside the quotes
# would end the statement and run the rest of the value as a command.
_POWERSHELL_UNSAFE = f"[{_CONTROL}]"


def powershell_quote(value: str) -> str:
    """A single-quoted string: only a quote (four kinds) ends it, and each is doubled."""
    return "'" + re.sub(_POWERSHELL_QUOTES, r"\1\1", value) + "'"


def powershell_value(name: str, value: str) -> str:
    if re.search(_POWERSHELL_UNSAFE, value):
        raise BadInput(
            f"{name} cannot be written for powershell: {_shown(name, value)} contains a line break "
            "or a control character, which would end the line that Invoke-Expression runs"
        )
    return powershell_quote(value)


# In `set "NAME=value"` the quotes keep & | < > ^ ( ) literal in a batch file, and in
# `for /f ... do @%i` the line is never parsed for them at all. % cannot be made safe in both:
# a batch file needs %%, the for /f line keeps %% as is. ! is expanded under delayed expansion.
_CMD_UNSAFE = f'["%!{_CONTROL}]'


def cmd_value(name: str, value: str) -> str:
    if re.search(_CMD_UNSAFE, value):
        raise BadInput(
            f'{name} cannot be written for cmd: {_shown(name, value)} contains ", % or ! (or a control '
            "character), which cmd would expand; use --shell powershell"
        )
    return value


_DOTENV_PLAIN = r"^[A-Za-z0-9_./:+=@,-]*$"
# Readers disagree on $, \ and ' even inside single quotes (python-dotenv expands ${X} there,
# docker compose does not), so a value holding one has no form they all read the same way.
_DOTENV_UNSAFE = f"[$\\\\'{_CONTROL}]"


def dotenv_quote(name: str, value: str) -> str:
    if re.match(_DOTENV_PLAIN, value):
        return value
    if re.search(_DOTENV_UNSAFE, value):
        raise BadInput(
            f"{name} cannot be written for dotenv: {_shown(name, value)} contains $, \\, ' or a control "
            "character, which dotenv readers treat differently; use a shell"
        )
    return f"'{value}'"


def _line(shell: str, name: str, value: str | None) -> str:
    if value is not None:
        _refuse_unwritable(shell, name, value)
    if shell in POSIX_SHELLS:
        return f"unset {name}" if value is None else f"export {name}={posix_quote(value)}"
    if shell == "fish":
        return f"set -e {name}" if value is None else f"set -gx {name} {fish_quote(value)}"
    if shell == "powershell":
        if value is None:
            return f"Remove-Item Env:{name} -ErrorAction SilentlyContinue"
        return f"$Env:{name} = {powershell_value(name, value)}"
    if shell == "cmd":
        return f'set "{name}="' if value is None else f'set "{name}={cmd_value(name, value)}"'
    if shell == "dotenv":
        if value is None:
            raise BadInput("a dotenv file cannot remove a variable; use a shell with --unset")
        return f"{name}={dotenv_quote(name, value)}"
    raise BadInput(f"unknown shell {shell!r}: choose one of {', '.join(SHELLS)}")


def render(shell: str, assignments: Assignments) -> str:
    """The script for ``shell``, LF line endings only; raises before producing any of it."""
    if shell == "json":
        raise BadInput("--shell json prints credentials only (the credential_process JSON)")
    if shell == "dotenv":
        if all(value is None for _, value in assignments):
            raise BadInput("a dotenv file cannot remove variables; use --unset with a shell")
        # A dotenv file describes an environment to create: only what is set, and only AWS's own
        # variables (PROFILES_ACTIVE and PROFILES_SAVED_* serve 'profiles env --unset' in a shell).
        assignments = [
            (name, value) for name, value in assignments if value is not None and name.startswith("AWS_")
        ]
    return "".join(_line(shell, name, value) + "\n" for name, value in assignments)


def apply_line(shell: str, command: str) -> str:
    """The one line that applies ``command``'s output in ``shell`` (as the README shows it)."""
    if shell == "fish":
        return f"{command} | source"
    if shell == "powershell":
        return f"{command} | Invoke-Expression"
    if shell == "cmd":
        return f"for /f \"delims=\" %i in ('{command}') do @%i"
    return f'eval "$({command})"'


# --------------------------------------------------------------------------- detection

_SHELL_NAMES = {
    "bash": "bash",
    "zsh": "zsh",
    "fish": "fish",
    "sh": "sh",
    "dash": "sh",
    "ash": "sh",
    "ksh": "sh",
    "mksh": "sh",
    "busybox": "sh",
    "pwsh": "powershell",
    "powershell": "powershell",
    "cmd": "cmd",
}


def _shell_of_path(path: str) -> str | None:
    # The file's name: after the last slash (Windows takes a backslash for one too).
    name = path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return _SHELL_NAMES.get(name.lower().removesuffix(".exe"))


def detect_shell(environ: Mapping[str, str] | None = None, windows: bool | None = None) -> str:
    """The shell to write for, from the environment; ``sh`` when nothing says otherwise.

    PowerShell exports PSModulePath to what it runs. On Windows that variable also exists
    system-wide (so in cmd), but only PowerShell adds the user's own module folder to it.
    """
    env = os.environ if environ is None else environ
    windows = os.name == "nt" if windows is None else windows
    shell = _shell_of_path(env.get("SHELL", "")) if env.get("SHELL") else None
    module_path = env.get("PSModulePath", "")
    if windows:
        if shell:  # SHELL on Windows is set only by MSYS, Git Bash or Cygwin
            return shell
        home = env.get("USERPROFILE", "")
        if module_path and home and home.lower() in module_path.lower():
            return "powershell"
        return "cmd" if env.get("ComSpec") else "sh"
    if module_path:
        return "powershell"
    return shell or "sh"
