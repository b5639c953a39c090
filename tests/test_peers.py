"""The socket table (`awsprofiles.peers`): who owns the other end of a loopback connection.

What the console's hand-off and the credential endpoint do with it: tests/test_console.py,
tests/e2e/test_console_link_e2e.py and tests/test_endpoint.py (another uid's connections).
"""

from __future__ import annotations

import contextlib
import os
import socket
import time

import pytest

from awsprofiles import peers


def test_the_socket_table_names_the_uid_of_each_open_client_end_and_no_closed_one() -> None:
    if peers.socket_table() is None:
        pytest.skip("no socket table to read (/proc/net/tcp): the page hand-off is used")
    with socket.create_server(("127.0.0.1", 0)) as server:
        address = (socket.inet_aton("127.0.0.1"), server.getsockname()[1])
        clients = [socket.create_connection(("127.0.0.1", address[1]))]
        with contextlib.suppress(OSError):  # a dual-stack socket: listed in tcp6, v4-mapped
            dual = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            dual.connect(("::ffff:127.0.0.1", address[1]))
            clients.append(dual)
        accepted = [server.accept() for _ in clients]
        try:
            entries = peers.socket_table()
            assert entries is not None
            owners = peers.peer_owners(entries, address)
            clients_at = [(socket.inet_aton(host), port) for _, (host, port) in accepted]
            assert [owners.get(client) for client in clients_at] == [os.getuid()] * len(clients)
            # A client end that is closed (FIN_WAIT2 or TIME_WAIT, no process holds it) is listed
            # with uid 0 and inode 0: it belongs to nobody, even for root.
            clients[0].close()
            time.sleep(0.2)
            entries = peers.socket_table()
            assert entries is not None
            assert any(entry.local == clients_at[0] and entry.inode == 0 for entry in entries)
            assert peers.peer_owners(entries, address).get(clients_at[0]) is None
        finally:
            for client in clients:
                client.close()
            for connection, _ in accepted:
                connection.close()
