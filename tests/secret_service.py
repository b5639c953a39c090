"""A real Secret Service for the keyring tests (and scripts/bench.py): gnome-keyring on its own D-Bus.

``dbus-run-session`` starts a private session bus; inside it ``gnome-keyring-daemon`` is unlocked
with a throw-away password and runs in the foreground until its stdin closes. The keyring library
then uses its ordinary Secret Service backend, as on a Linux desktop. Everything lives under
``root`` and both daemons stop when the context ends.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

# The shell inside dbus-run-session: unlock, print the bus address, wait for stdin to close, stop.
_SCRIPT = (
    "printf %s throwaway-test-password"
    " | gnome-keyring-daemon --unlock --components=secrets --foreground >/dev/null 2>&1 &"
    ' daemon=$!; echo "$DBUS_SESSION_BUS_ADDRESS"; read _; kill "$daemon"; wait "$daemon"'
)


def available() -> bool:
    return bool(shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon"))


def _wait_until_ready(address: str, timeout: float = 60.0) -> None:
    import secretstorage

    saved = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    os.environ["DBUS_SESSION_BUS_ADDRESS"] = address
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with contextlib.closing(secretstorage.dbus_init()) as connection:
                    # The login keyring the daemon unlocks becomes the default collection; asking
                    # for it with get_default_collection() too early would try to create one. On
                    # a loaded machine (several suites at once) it took more than 20 s to appear.
                    if not secretstorage.Collection(connection).is_locked():
                        return
            except Exception:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.05)
    finally:
        if saved is None:
            del os.environ["DBUS_SESSION_BUS_ADDRESS"]
        else:
            os.environ["DBUS_SESSION_BUS_ADDRESS"] = saved


@contextlib.contextmanager
def running(root: Path) -> Iterator[dict[str, str]]:
    """Start the Secret Service; yield the environment variables that reach it."""
    for folder in ("data", "run", "home"):
        (root / folder).mkdir(mode=0o700, parents=True, exist_ok=True)
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(root / "data"),
        "XDG_RUNTIME_DIR": str(root / "run"),
        "HOME": str(root / "home"),
    }
    process = subprocess.Popen(
        ["dbus-run-session", "--", "sh", "-c", _SCRIPT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
        start_new_session=True,  # its own process group, to stop both daemons if it hangs
    )
    try:
        assert process.stdout is not None
        address = process.stdout.readline().strip()
        if not address:
            raise RuntimeError("dbus-run-session did not start a session bus")
        _wait_until_ready(address)
        yield {"DBUS_SESSION_BUS_ADDRESS": address}
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
