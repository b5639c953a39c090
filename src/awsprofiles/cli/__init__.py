"""The ``profiles`` command: parse arguments, call one function, render, map errors to exit codes.

Adding a command: write it in a module of this package with ``@app.command("NAME")`` (``app``
from ``awsprofiles.cli.app``), and add ``"NAME": "awsprofiles.cli.MODULE"`` to `COMMANDS` in
``awsprofiles.cli.registry``. A command's module is imported only when that command runs (or
when ``--help`` or shell completion lists every command), so each command pays at start-up for
its own imports only: keep heavy imports (botocore, keyring, ...) inside the functions that need
them. ``tests/test_startup.py`` checks that `COMMANDS` and the registered commands agree.
"""

from __future__ import annotations

import gc
import os
import sys

import typer

# typer ships its own copy of click; its exceptions are the ones raised.
from typer import _click as click

from awsprofiles.cli.registry import COMMANDS as COMMANDS
from awsprofiles.cli.registry import root as root
from awsprofiles.cli.terminal import printable_lines
from awsprofiles.errors import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OUTPUT_CLOSED,
    CheckFailed,
    Interrupted,
    ProfilesError,
)
from awsprofiles.startup import core_dumps_off, discard_stdout, end_line


def main(argv: list[str] | None = None) -> int:
    """Run ``profiles``; every failure becomes one ``error:`` line and a documented exit code."""
    core_dumps_off()
    try:
        code = _run(argv)
        sys.stdout.flush()  # here, not at exit, where a closed pipe would print a traceback
    except BrokenPipeError:
        discard_stdout()
        return EXIT_OUTPUT_CLOSED
    return code


def _run(argv: list[str] | None) -> int:
    command = root()  # built once per process: the tests run main() thousands of times
    try:
        result = command.main(args=argv, prog_name="profiles", standalone_mode=False)
    except ProfilesError as error:
        return report(error)
    except typer.Exit as exit_:
        return exit_.exit_code
    except click.exceptions.NoArgsIsHelpError as error:
        # 'profiles' alone asked for help: print it as --help does, not as an error.
        print(error.format_message())
        return 0
    except click.exceptions.UsageError as error:
        where = f" (see 'profiles {error.ctx.info_name} --help')" if error.ctx and error.ctx.parent else ""
        print(f"error: {printable_lines(error.format_message())}{where}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (typer.Abort, KeyboardInterrupt):
        # A prompt's Ctrl-C (click turns it into Abort), or one outside any command.
        end_line()
        print("error: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except click.exceptions.ClickException as error:
        print(f"error: {printable_lines(error.format_message())}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        raise  # main's: the output has gone
    except Exception as error:
        return report(error)
    return result if isinstance(result, int) else 0


def report(error: Exception) -> int:
    """Print a failure as one ``error:`` line on stderr and return its exit code: a `ProfilesError`
    with its message (an AWS failure ends with its code, the word `profiles check` reports and
    scripts match on), anything else as unexpected (re-raised with PROFILES_DEBUG set).

    The entry point's fast paths (`awsprofiles.entry`) report their failures here too.
    """
    if isinstance(error, ProfilesError):
        if isinstance(error, Interrupted):
            end_line()
        code = f" [{error.code}]" if isinstance(error, CheckFailed) and error.code else ""
        print(f"error: {printable_lines(error.message)}{code}", file=sys.stderr)
        return error.exit_code
    if os.environ.get("PROFILES_DEBUG"):
        raise error
    # The message of an unexpected exception could hold anything, a secret included.
    print(
        f"error: unexpected {type(error).__name__}; run again with PROFILES_DEBUG=1 "
        "for the traceback and report it",
        file=sys.stderr,
    )
    return EXIT_FAILED


def run() -> None:
    # The cyclic collector would otherwise walk the imported modules and the tens of
    # thousands of objects a large file parses into, again and again (a fifth of the time of
    # 'profiles set' on 10,000 profiles). It stays on, less often, for long AWS commands.
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
    sys.exit(main())
