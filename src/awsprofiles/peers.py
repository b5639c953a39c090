"""Who is at the other end of a loopback connection: the uid that owns the client's socket, from
the kernel's TCP socket table (Linux, per network namespace): asked of the kernel for one socket
by sock_diag netlink (`owners_of`), or read whole from ``/proc/net/tcp`` and ``tcp6``, which
costs a millisecond or more each time however few sockets there are.

The table lists the client's end of a loopback connection with the uid that created that
socket, which another uid cannot create and cannot change (that takes CAP_CHOWN). An end that is
no open socket (orphaned, FIN_WAIT2 or TIME_WAIT: inode 0, shown as uid 0) belongs to nobody.
Where no table can be read (macOS, Windows, the BSDs; Linux without ``/proc``) nobody's
connections can be told apart, and the callers say what they do then.

The console's one-time link (`browser`) is served only to the user's own uid; the credential
endpoint (`endpoint`) only to the user's own uid and root. Standard library only.
"""

from __future__ import annotations

import errno
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


def socket_table(port: int | None = None) -> list[TableEntry] | None:
    """Every TCP socket the kernel lists for this network namespace (with ``port``: those with
    that port at one end, at least); None if no table can be read. A line that cannot be parsed
    is left out, so it can never count as the user's.

    A busy machine lists thousands of sockets (TIME_WAIT ones too): the port is matched as text
    before a line is parsed, which keeps a connection's check to a fraction of a millisecond."""
    entries: list[TableEntry] = []
    found = False
    either_end = None if port is None else f":{port:04X} "
    for table in SOCKET_TABLES:
        try:
            with open(table, "rb") as file:
                text = file.read().decode("ascii", "replace")
        except OSError:
            continue
        found = True
        for line in text.splitlines()[1:]:
            if either_end is not None and either_end not in line:
                continue
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


#: Linux's sock_diag netlink protocol, and its request for one socket of a family.
_NETLINK_SOCK_DIAG = 4
_SOCK_DIAG_BY_FAMILY = 20
_NLMSG_ERROR = 2
_ALL_STATES = 0xFFFFFFFF
_NO_COOKIE = 0xFFFFFFFF
_V4_MAPPED = bytes(10) + b"\xff\xff"


class _NoAnswer(Exception):
    """sock_diag cannot say (no netlink here, or an answer not understood): read the table."""


def _diag_owner(diag: socket.socket, client: Address, server: Address) -> int | None:
    """The owner of the socket whose local end is ``client`` and remote end ``server``, asked of
    the kernel by sock_diag (one exact lookup, microseconds, unprivileged); None when that end is
    no open socket. A client's dual-stack socket holds the v4-mapped addresses."""
    for family, src, dst in (
        (socket.AF_INET, client[0] + bytes(12), server[0] + bytes(12)),
        (socket.AF_INET6, _V4_MAPPED + client[0], _V4_MAPPED + server[0]),
    ):
        request = (
            struct.pack("=BBBBI", family, socket.IPPROTO_TCP, 0, 0, _ALL_STATES)
            + struct.pack("!HH", client[1], server[1])
            + src
            + dst
            + struct.pack("=III", 0, _NO_COOKIE, _NO_COOKIE)
        )
        diag.send(struct.pack("=IHHII", 16 + len(request), _SOCK_DIAG_BY_FAMILY, 1, 1, 0) + request)
        answer = diag.recv(8192)
        if len(answer) < 16:
            raise _NoAnswer
        kind = struct.unpack_from("=H", answer, 4)[0]
        if kind == _NLMSG_ERROR and len(answer) >= 20:
            if -struct.unpack_from("=i", answer, 16)[0] == errno.ENOENT:
                continue  # not a socket of this family
            raise _NoAnswer
        # struct inet_diag_msg: family, state, timer, retrans, the 48-byte socket id, then
        # expires, rqueue, wqueue, uid, inode (all 32-bit).
        if kind != _SOCK_DIAG_BY_FAMILY or len(answer) < 16 + 72:
            raise _NoAnswer
        sport, dport = struct.unpack_from("!HH", answer, 16 + 4)
        if (sport, dport) != (client[1], server[1]):
            raise _NoAnswer
        uid, inode = struct.unpack_from("=II", answer, 16 + 64)
        return uid if inode else None
    return None


def owners_of(server: Address, clients: list[Address]) -> dict[Address, int | None]:
    """The uid that owns the client end of each connection ``clients`` made to ``server``; None
    where that end is no open socket. Asked of the kernel by sock_diag; where it cannot answer,
    read from the socket table (which costs a millisecond or more per reading: the kernel walks
    its whole table). Call it only where `uid_if_checkable` said the table can tell."""
    if not clients:
        return {}
    try:
        diag = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, _NETLINK_SOCK_DIAG)
    except (OSError, AttributeError):  # not Linux, or netlink refused here
        diag = None
    if diag is not None:
        try:
            with diag:
                diag.settimeout(1)
                return {client: _diag_owner(diag, client, server) for client in clients}
        except (OSError, _NoAnswer, struct.error):
            pass
    owners = peer_owners(socket_table(server[1]) or [], server)
    return {client: owners.get(client) for client in clients}


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
