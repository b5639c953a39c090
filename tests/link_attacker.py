"""Another local user trying to take the console sign-in link while `profiles console` runs.

The tests run this file's source as ``python -I -c SOURCE MARKER`` under another uid
(``setpriv --reuid=65534``), so that it needs no file that user may not read. It polls ``/proc``
every 5 ms, as the issue's attacker did, and tries every path that user can see:

- every ``http://127.0.0.1:PORT/...`` link on a process's command line, fetched at once and again;
- every ``file://`` page or path on a command line, read, and the links in it fetched;
- the processes' environment and open files (``/proc/PID/environ``, ``/proc/PID/fd``);
- every port it learnt, with ``/`` and every path it saw.

Only processes whose command line holds MARKER (the test's own folder) are attacked, so that tests
of other checkouts running on the same machine are left alone. It prints one line per attempt as
it goes (``tried ...``; the test waits for the first before its browser asks), and when its stdin
closes, one JSON report: its uid, what it saw, what it tried, and every answer holding a token.
"""

from __future__ import annotations

import json
import os
import re
import socket
import sys
import threading
import time

LINK = re.compile(r"http://127\.0\.0\.1:(\d+)(/[A-Za-z0-9_.~%/-]*)?")
PAGE = re.compile(r"(?:file://)?(/[^\s\"'<>]+\.html?)")
TRIES_PER_LINK = 5


def fetch(port: int, path: str) -> str:
    """GET path from the loopback port: the status line, or what went wrong; the whole answer
    is kept when it holds a token."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as connection:
            connection.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
            answer = b""
            while len(answer) < 65536:
                data = connection.recv(65536)
                if not data:
                    break
                answer += data
    except OSError as error:
        return type(error).__name__
    text = answer.decode("latin-1")
    if "SigninToken" in text:
        report["tokens"].append(text)
    return text.split("\r\n", 1)[0] or "closed without an answer"


def read(path: str) -> str:
    try:
        with open(path, "rb") as file:
            return file.read(1 << 20).decode("utf-8", "replace")
    except OSError as error:
        return type(error).__name__


def attempt(kind: str, target: str, result: str) -> None:
    report["tried"].append([kind, target, result])
    print("tried", kind, target, result, flush=True)


def look(pid: str) -> None:
    command = read(f"/proc/{pid}/cmdline").replace("\0", " ")
    if MARKER not in command:
        return
    if pid not in environ_tried:
        environ_tried.add(pid)
        environ = read(f"/proc/{pid}/environ")
        attempt("environ", pid, environ if environ.endswith("Error") else "READABLE")
        try:
            attempt("fd", pid, str(os.listdir(f"/proc/{pid}/fd")))
        except OSError as error:
            attempt("fd", pid, type(error).__name__)
    texts = [command]
    for page in PAGE.findall(command):
        content = read(page)
        if page not in pages:
            pages.add(page)
            attempt("page", page, content if content.endswith("Error") else "READ")
        texts.append(content)
    for text in texts:
        for port, path in LINK.findall(text):
            link = f"http://127.0.0.1:{port}{path}"
            if link not in report["seen"]:
                report["seen"].append(link)
            ports.add(int(port))
            paths.add(path or "/")
            if tries.get(link, 0) < TRIES_PER_LINK:
                tries[link] = tries.get(link, 0) + 1
                attempt("link", link, fetch(int(port), path or "/"))


def sweep_ports() -> None:
    for port in sorted(ports):
        for path in sorted(paths | {"/"}):
            key = f"http://127.0.0.1:{port}{path}#port"
            if tries.get(key, 0) < 1:
                tries[key] = 1
                attempt("port", key, fetch(port, path))


MARKER = sys.argv[1]
report: dict[str, list] = {
    "uid": [os.getuid(), os.getgid(), os.getgroups()],
    "seen": [],
    "tried": [],
    "tokens": [],
}
environ_tried: set[str] = set()
pages: set[str] = set()
ports: set[int] = set()
paths: set[str] = set()
tries: dict[str, int] = {}
stopped = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stopped.set()), daemon=True).start()
print("ready", os.getuid(), flush=True)
while not stopped.is_set():
    for pid in os.listdir("/proc"):
        if pid.isdigit() and pid != str(os.getpid()):
            look(pid)
    sweep_ports()
    time.sleep(0.005)
print(json.dumps(report), flush=True)
