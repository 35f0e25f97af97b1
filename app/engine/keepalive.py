"""Connections that died without a word: closed as soon as we have a reason to doubt them.

A TCP connection whose path is gone gets no FIN or RST: TCP keeps retransmitting for minutes, the
swarm keeps listing it, and new streams are opened on it and hang. The steady check is
:mod:`app.engine.pathwatch` (every direct connection, a relay's included, is pinged every 2 s and
closed after 4 s without an answer; closing a relay connection makes the relay client reserve
again at once). This module acts on the two moments that tell us more, so recovery does not wait
for that timeout:

* our interface addresses changed (:func:`close_orphaned`): a connection whose local address is
  no longer ours can never carry a packet again (the kernel cannot send from it), so it is
  closed at once and its reservation made again over the new address;
* a peer reserved on our relay over a new connection while older ones are still listed
  (:func:`close_silent`): a client does that when its old connection is gone from its side (its
  address changed, its router lost the mapping). The older ones are pinged now and closed if
  silent within :data:`DOUBT_TIMEOUT`, which resets the circuits running over them, so the
  peers at the other end dial again instead of waiting on a dead circuit.

Closing goes through :func:`app.engine.compat.abort_transport` first: a plain close can block on
a dead path (compat YAMUX-CLOSE-BLOCKS).
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import socket
from collections.abc import Iterable
from typing import Any

import psutil
import trio
from libp2p.abc import INetConn
from libp2p.peer.id import ID

from app.engine import compat
from app.engine.pathwatch import probe

log = logging.getLogger("peerup.engine.keepalive")

DOUBT_TIMEOUT = 2.0
"""Seconds a doubted connection has to answer a ping before it is closed."""
CLOSE_TIMEOUT = 2.0
"""Seconds a close may take (the socket is shut down first, so it rarely needs any)."""


def local_ip(conn: INetConn) -> str | None:
    """The local IP address of a connection's TCP socket; None when it has none (relayed)."""
    sock = compat.transport_socket(conn)
    if sock is None:
        return None
    try:
        return str(sock.getsockname()[0])
    except OSError:  # already shut down
        return None


async def close_conn(conn: INetConn) -> None:
    """Close ``conn`` now, its socket first (bounded)."""
    compat.abort_transport(conn)
    with trio.move_on_after(CLOSE_TIMEOUT), contextlib.suppress(Exception):
        await conn.close()  # broken already: closing may fail too


async def close_orphaned(host: Any, ips: Iterable[str]) -> int:
    """Close every TCP connection whose local address is not among ``ips`` (our interfaces now).

    Loopback connections are left alone. Returns how many were closed.
    """
    ours = {_parse(ip) for ip in ips} - {None}
    doomed: list[tuple[ID, INetConn]] = []
    for peer, conns in list(host.get_network().get_connections_map().items()):
        for conn in conns:
            address = _parse(local_ip(conn))
            if address is None or address.is_loopback:
                continue
            if getattr(address, "ipv4_mapped", None) is not None:
                continue  # a dual-stack socket's view of an IPv4 address: not worth the doubt
            if address not in ours:
                doomed.append((peer, conn))
    async with trio.open_nursery() as nursery:  # all at once: each close is bounded
        for peer, conn in doomed:
            log.info("our address %s is gone: closing the connection to %s", local_ip(conn), peer)
            nursery.start_soon(close_conn, conn)
    return len(doomed)


def _parse(ip: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if ip is None:
        return None
    try:
        return ipaddress.ip_address(ip.split("%")[0])  # without an IPv6 zone ("%eth0")
    except ValueError:
        return None


def assigned_ips() -> list[str]:
    """Every IP address assigned to an interface of ours, up or down.

    A link that is down keeps its addresses, and a connection from one of them may live on when
    the link comes back within TCP's patience: only an address that is gone dooms it.
    """
    return [
        a.address
        for addrs in psutil.net_if_addrs().values()
        for a in addrs
        if a.family in (socket.AF_INET, socket.AF_INET6)
    ]


async def network_changed(host: Any, relay_client: Any, _interfaces: object = None) -> None:
    """Our interfaces changed: close connections from addresses that are gone, reserve again.

    The relay client is woken whatever was closed: a relay unreachable until now (the link was
    down) is tried at once instead of at the end of its back-off.
    """
    try:
        ips = assigned_ips()
    except OSError as exc:  # cannot list them now: close nothing rather than everything
        log.warning("cannot list our addresses after a network change: %s", exc)
    else:
        await close_orphaned(host, ips)
    relay_client.refresh_soon()


async def close_silent(host: Any, peer: ID, *, keep: Any) -> int:
    """Ping ``peer``'s connections other than the one over muxer ``keep``; close the silent ones.

    Each is pinged on itself, all at once; one that does not answer (any answer counts, even a
    refusal) within :data:`DOUBT_TIMEOUT` is closed. Returns how many were closed.
    """
    doubted = [
        c
        for c in host.get_network().get_connections(peer)
        if c.muxed_conn is not keep and not getattr(c.muxed_conn, "is_closed", False)
    ]
    silent: list[INetConn] = []

    async def check(conn: INetConn) -> None:
        with trio.move_on_after(DOUBT_TIMEOUT) as scope:
            with contextlib.suppress(Exception):  # an answer of any kind: alive
                await probe(host, conn)
        if scope.cancelled_caught:
            silent.append(conn)

    async with trio.open_nursery() as nursery:
        for conn in doubted:
            nursery.start_soon(check, conn)
    async with trio.open_nursery() as nursery:
        for conn in silent:
            log.info("an older connection of %s is silent: closing it", peer)
            nursery.start_soon(close_conn, conn)
    return len(silent)
