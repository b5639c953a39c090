"""The ``profiles`` command's entry point: what must start fast is served before the CLI loads.

``profiles credential-process NAME --from-keyring`` runs before every AWS CLI call of a keyring
profile; serving a kept key or MFA session needs neither the CLI framework nor botocore.
"""

from __future__ import annotations

import sys


def run() -> None:
    argv = sys.argv[1:]
    if argv[:1] == ["credential-process"] and "--from-keyring" in argv:
        from awsprofiles.sessions import serve_cached

        served = serve_cached(argv[1:])
        if served is not None:
            sys.exit(served)
    from awsprofiles.cli import run as run_cli

    run_cli()
