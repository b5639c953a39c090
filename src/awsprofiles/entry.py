"""The ``profiles`` command's entry point (console script and ``python -m awsprofiles``): what
must start fast is served before the CLI framework loads.

``env``, ``exec`` and ``credential-process`` run before every command a person types in a role,
and ``credential-process NAME --from-keyring`` before every AWS CLI call of a keyring profile.
When the answer needs no AWS call (a role session still valid in the AWS CLI's cache; a key or
a kept MFA session in the keyring), it is served without typer, botocore or the keyring library;
so is ``profiles --version``. Each fast path returns None, having printed nothing, for anything
it is not sure of; the typer CLI then runs, importing only the module of the command that runs
(`awsprofiles.cli.COMMANDS`). The fast paths keep the CLI's promises (``awsprofiles.startup``):
core dumps are off before a secret is read, Ctrl-C is ``error: interrupted`` (130), a closed
stdout ends quietly (141), and any failure that escapes a fast path is reported as the CLI
reports it (`awsprofiles.cli.report`: one ``error:`` line and its exit code, never a traceback).
A shell's completion request (``_PROFILES_COMPLETE``, set by the scripts of ``profiles
completion``) is answered from the cached command spec: a Tab must come back at once.

A fast path loads only what it uses (tests/test_fast_paths.py), and runs with the cyclic garbage
collector off: it is over in milliseconds, and a collection would only walk the modules it loads
(about a millisecond of a cached ``env``). Whatever lasts collects again: the CLI, and the command
``exec`` runs or the endpoint it serves (`awsprofiles.using.run_with`).
"""

from __future__ import annotations

import gc
import os
import sys

from awsprofiles.errors import EXIT_INTERRUPTED, EXIT_OUTPUT_CLOSED
from awsprofiles.startup import core_dumps_off, discard_stdout, end_line, standard_streams_open, version_line


def serve_fast(argv: list[str]) -> int | None:
    """The exit code of a command served without the CLI, or None to run the CLI."""
    if "_PROFILES_COMPLETE" in os.environ:
        from awsprofiles.completion import respond

        return respond(argv, os.environ, completion_spec)
    if argv in (["--version"], ["-V"]):
        print(version_line())
        return 0
    if argv[:1] == ["prompt"]:
        from awsprofiles.expiry import serve_prompt

        return serve_prompt(argv[1:])
    if argv[:1] == ["credential-process"] and "--from-keyring" in argv:
        from awsprofiles.sessions import serve_cached

        return serve_cached(argv[1:])
    if argv[:1] in (["env"], ["exec"], ["credential-process"]):
        from awsprofiles.using import serve_cached_role

        return serve_cached_role(argv)
    return None


def completion_spec() -> dict[str, object]:  # not typing's Any: importing typing doubles --version
    """The completion spec, built from the application when the cache has none (the one call
    from the completion's fast path to the CLI, which sits above it)."""
    from awsprofiles.cli.registry import completion_spec

    return completion_spec()


def run() -> None:
    standard_streams_open()
    core_dumps_off()
    gc.disable()  # a fast path is over in milliseconds (see above)
    try:
        served = serve_fast(sys.argv[1:])
        sys.stdout.flush()
    except KeyboardInterrupt:
        end_line()
        print("error: interrupted", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        discard_stdout()
        sys.exit(EXIT_OUTPUT_CLOSED)
    except Exception as error:
        from awsprofiles.cli import report  # the CLI framework, on this failure's path only

        sys.exit(report(error))
    if served is not None:
        sys.exit(served)
    gc.enable()
    from awsprofiles.cli import run as run_cli

    run_cli()
