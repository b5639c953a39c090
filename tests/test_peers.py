"""The socket table (`awsprofiles.peers`): who owns the other end of a loopback connection.

What the console's hand-off and the credential endpoint do with it: tests/test_console.py,
tests/e2e/test_console_link_e2e.py and tests/test_endpoint.py (another uid's connections).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
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


_OTHER_UID_CLIENT = """
import socket, sys, time
client = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
print(client.getsockname()[1], flush=True)
time.sleep(30)
"""


@pytest.fixture(params=["sock_diag", "the socket table"])
def asked_by(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """`owners_of` asks the kernel by sock_diag; where netlink is refused, it reads the table."""
    if peers.socket_table() is None:
        pytest.skip("no socket table to read (/proc/net/tcp)")
    if request.param == "the socket table":
        real = socket.socket

        def no_netlink(family: int = -1, *args: object, **kwargs: object) -> socket.socket:
            if family == getattr(socket, "AF_NETLINK", None):
                raise PermissionError(1, "netlink refused")
            return real(family, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(peers.socket, "socket", no_netlink)
    else:  # the table must not be needed

        def unread(port: int | None = None) -> None:
            raise AssertionError("the socket table was read: sock_diag did not answer")

        monkeypatch.setattr(peers, "socket_table", unread)
    return str(request.param)


def test_owners_of_names_our_uid_another_uid_and_nobody_for_a_closed_end(asked_by: str) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        address = peers.address_of("127.0.0.1", port)
        ours = [socket.create_connection(("127.0.0.1", port))]
        with contextlib.suppress(OSError):  # a dual-stack socket: v4-mapped
            dual = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            dual.connect(("::ffff:127.0.0.1", port))
            ours.append(dual)
        other = subprocess.Popen(
            [
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "/usr/bin/python3",
                "-c",
                _OTHER_UID_CLIENT,
                str(port),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert other.stdout is not None
            others_port = int(other.stdout.readline())
            accepted = [server.accept() for _ in range(len(ours) + 1)]
            clients = [peers.address_of(host, client_port) for _, (host, client_port) in accepted]
            owners = peers.owners_of(address, clients)
            by_port = {client[1]: owners[client] for client in clients}
            assert by_port.pop(others_port) == 65534
            assert set(by_port.values()) == {os.getuid()}
            for connection, _ in accepted:
                connection.close()
            closed = peers.address_of("127.0.0.1", ours[0].getsockname()[1])
            ours[0].close()  # its end is closed: FIN_WAIT2, no process holds it
            time.sleep(0.2)
            assert peers.owners_of(address, [closed]) == {closed: None}
            nowhere = peers.address_of("127.0.0.1", 1)  # no such connection at all
            assert peers.owners_of(address, [nowhere]) == {nowhere: None}
        finally:
            other.kill()
            other.wait()
            for client in ours:
                client.close()
