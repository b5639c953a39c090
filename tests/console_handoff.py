"""What the console hand-off tests share: a browser that reports what it got, and an attacker
running as another local user (tests/link_attacker.py) while `profiles console` runs.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest

OTHER_UID = 65534
SETPRIV = [f"--reuid={OTHER_UID}", f"--regid={OTHER_UID}", "--clear-groups"]

#: A browser started with ``GO REPORT URL`` (BROWSER="SCRIPT GO REPORT %s"): it writes the URL to
#: REPORT.given, waits for the file GO (the test's signal that the other party is in place), opens
#: the URL as a browser does (a page: the link its meta refresh names), and writes REPORT: the
#: answer to its GET, and whether the port still accepts a connection afterwards.
BROWSER = """#!{python}
import http.client, json, os, re, socket, sys, time, urllib.parse
go, report, url = sys.argv[1:4]
open(report + ".given", "w").write(url)
found = {{"given": url}}
deadline = time.monotonic() + 20
while not os.path.exists(go) and time.monotonic() < deadline:
    time.sleep(0.01)
link = url
if url.startswith("file://"):
    path = urllib.parse.unquote(urllib.parse.urlsplit(url).path)
    found["modes"] = [oct(os.stat(path).st_mode & 0o777), oct(os.stat(os.path.dirname(path)).st_mode & 0o777)]
    page = open(path).read()
    link = re.search(r'http-equiv="refresh" content="0; url=([^"]+)"', page).group(1)
parts = urllib.parse.urlsplit(link)
try:
    connection = http.client.HTTPConnection(parts.netloc, timeout=10)
    connection.request("GET", parts.path)
    response = connection.getresponse()
    found["status"], found["location"] = response.status, response.getheader("Location")
except OSError as error:
    found["status"] = type(error).__name__
try:
    socket.create_connection((parts.hostname, parts.port), timeout=5).close()
    found["after"] = "accepted"
except OSError as error:
    found["after"] = type(error).__name__
open(report, "w").write(json.dumps(found))
"""


def write_browser(folder: Path) -> Path:
    browser = folder / "browser"
    browser.write_text(BROWSER.format(python=sys.executable))
    browser.chmod(0o700)
    return browser


@functools.cache
def python_for_other_user() -> str:
    """A Python interpreter the other uid can run (its stdlib readable by that uid too)."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("the attacker runs as another uid: needs root and setpriv")
    tried = []
    for python in dict.fromkeys([sys.executable, os.path.realpath(sys.executable), "/usr/bin/python3"]):
        run = subprocess.run(
            ["setpriv", *SETPRIV, python, "-I", "-c", "import json, os, socket; print(os.getuid())"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if run.returncode == 0 and run.stdout.strip() == str(OTHER_UID):
            return python
        tried.append(f"{python}: {run.stderr.strip()[-200:]}")
    raise AssertionError(f"no Python runs as uid {OTHER_UID}, the attacker cannot be tested: {tried}")


class Attacker:
    """tests/link_attacker.py as uid 65534, attacking processes whose command line holds
    ``marker``; ``go`` is created when it has made its first attempt at a link or a page."""

    def __init__(self, marker: str, go: Path) -> None:
        self.marker = marker
        self.go = go
        self.lines: list[str] = []
        self.report: dict[str, Any] = {}

    def __enter__(self) -> Attacker:
        source = (Path(__file__).parent / "link_attacker.py").read_text()
        python = python_for_other_user()
        self.process = subprocess.Popen(
            ["setpriv", *SETPRIV, python, "-I", "-c", source, self.marker],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd="/",
        )
        assert self.process.stdout is not None
        ready = self.process.stdout.readline()
        assert ready == f"ready {OTHER_UID}\n", ready
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        return self

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            if line.startswith(("tried link ", "tried page ")):
                self.go.touch()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        finally:
            self.process.kill()
        self.reader.join(timeout=10)
        if kind is None:
            self.report = json.loads(self.lines[-1])

    def output(self) -> str:
        return "".join(self.lines)


def browser_report(report: Path) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(report.read_text())
    return found
