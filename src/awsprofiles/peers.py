"""Who is at the other end of a loopback connection: the uid that owns the client's socket, from
the kernel's TCP socket table (Linux: ``/proc/net/tcp`` and ``tcp6``, per network namespace).

The table lists the client's end of a loopback connection with the uid that created that
socket, which another uid cannot create and cannot change (that takes CAP_CHOWN). An end that is
no open socket (orphaned, FIN_WAIT2 or TIME_WAIT: inode 0, shown as uid 0) belongs to nobody.
Where no table can be read (macOS, Windows, the BSDs; Linux without ``/proc``) nobody's
connections can be told apart, and the callers say what they do then.

The console's one-time link (`browser`) is served only to the user's own uid; the credential
endpoint (`endpoint`) only to the user's own uid and root. Standard library only.
"""

from __future__ import annotations

import os
import socket
import struct
from dataclasses import dataclass

#: The kernel's TCP socket tables of this network namespace (Linux).
SOCKET_TABLES = ("/proc/net/tcp", "/proc/net/tcp6")
#: The state of a listening socket in the table.
LISTEN = 0x0A

Address = tuple[bytes, int]


@dataclass(frozen=True)
class TableEntry:
    """One line of a socket table: the addresses of one TCP socket, its state and owner."""

    local: Address
    remote: Address
    state: int
    uid: int
    inode: int


def _address(text: str) -> Address:
    """``0100007F:1F90`` as the kernel prints it: each 32-bit word of the address in host byte
    order, then the port. A v4-mapped v6 address (a dual-stack socket's) becomes the v4 one."""
    host, port = text.split(":")
    if len(host) not in (8, 32):
        raise ValueError(text)
    raw = b"".join(struct.pack("=I", int(host[i : i + 8], 16)) for i in range(0, len(host), 8))
    if raw[:12] == bytes(10) + b"\xff\xff":
        raw = raw[12:]
    return raw, int(port, 16)


def address_of(host: str, port: int) -> Address:
    """An IPv4 address and port as the table's entries hold them."""
    return socket.inet_aton(host), port


def socket_table() -> list[TableEntry] | None:
    """Every TCP socket the kernel lists for this network namespace; None if no table can be read.
    A line that cannot be parsed is left out, so it can never count as the user's."""
    entries: list[TableEntry] = []
    found = False
    for table in SOCKET_TABLES:
        try:
            with open(table, "rb") as file:
                text = file.read().decode("ascii", "replace")
        except OSError:
            continue
        found = True
        for line in text.splitlines()[1:]:
            fields = line.split()
            try:
                local, remote = _address(fields[1]), _address(fields[2])
                entries.append(TableEntry(local, remote, int(fields[3], 16), int(fields[7]), int(fields[9])))
            except (IndexError, ValueError):
                continue
    return entries if found else None


def peer_owners(entries: list[TableEntry], server: Address) -> dict[Address, int | None]:
    """The uid that owns the client end of each connection to ``server``, by the client's address;
    None where that end is no open socket (inode 0) or is listed twice with different owners."""
    owners: dict[Address, int | None] = {}
    for entry in entries:
        if entry.remote != server or entry.state == LISTEN:
            continue
        owner = entry.uid if entry.inode else None
        if entry.local in owners and owners[entry.local] != owner:
            owner = None
        owners[entry.local] = owner
    return owners


def uid_if_checkable(listener: socket.socket, address: Address) -> int | None:
    """Our uid if the socket table lists ``listener`` (listening on ``address``) as ours: the
    table is there, readable and understood, and each connection's owner can be read from it.
    None otherwise."""
    entries = socket_table()
    if entries is None or not hasattr(os, "getuid"):
        return None
    uid = os.getuid()
    inode = os.fstat(listener.fileno()).st_ino
    mine = TableEntry(address, (bytes(4), 0), LISTEN, uid, inode)
    return uid if mine in entries else None
