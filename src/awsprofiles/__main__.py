"""The ``profiles`` command (``python -m awsprofiles``).

A shell's completion request (``_PROFILES_COMPLETE`` set by the scripts of ``profiles
completion``) is answered before the command-line application is even imported: a <TAB> must
come back at once.
"""

import os
import sys


def run() -> None:
    if "_PROFILES_COMPLETE" in os.environ:
        from awsprofiles.completion import respond

        sys.exit(respond(sys.argv[1:], os.environ))
    from awsprofiles.cli import run as run_cli

    run_cli()


if __name__ == "__main__":
    run()
