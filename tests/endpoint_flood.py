"""Another local user holding the credential endpoint's connections: run as ``python -I -c SOURCE
PORT COUNT`` under another uid (``setpriv --reuid=65534``; tests/test_endpoint.py).

It keeps COUNT connections to 127.0.0.1:PORT open and idle (it never sends a byte), opening a new
one for each that is closed, until its stdin closes; then it prints one JSON report: how many
connections it opened, and how many bytes the endpoint ever sent it.
"""

import json
import os
import selectors
import socket
import sys
import threading

port, count = int(sys.argv[1]), int(sys.argv[2])
selector = selectors.DefaultSelector()
report = {"uid": os.getuid(), "opened": 0, "refused": 0, "received": 0}
stopped = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stopped.set()), daemon=True).start()


def connect() -> None:
    try:
        connection = socket.create_connection(("127.0.0.1", port), timeout=2)
    except OSError:
        report["refused"] += 1
        return
    connection.setblocking(False)
    selector.register(connection, selectors.EVENT_READ)
    report["opened"] += 1


for _ in range(count):
    connect()
print("ready", report["uid"], report["opened"], flush=True)
while not stopped.is_set():
    for key, _ in selector.select(0.05):
        connection = key.fileobj
        try:
            data = connection.recv(4096)
        except OSError:
            data = b""
        report["received"] += len(data)
        if not data:
            selector.unregister(connection)
            connection.close()
    for _ in range(count - len(selector.get_map())):
        connect()
print(json.dumps(report), flush=True)
