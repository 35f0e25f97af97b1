"""The hop probe: which routers stand between us and a STUN server (a tiny, bounded traceroute).

One UDP datagram per TTL of :data:`~app.core.reach.upstream.HOP_TTLS`, each from its own socket
(an ICMP error queued on a socket makes its next send fail), towards a STUN server we just
probed; a router where a datagram expires answers with ICMP Time Exceeded, which Linux hands to
the sending socket's error queue (``IP_RECVERR``), no raw socket or privilege needed. What the
hops mean is decided in :mod:`app.core.reach.upstream`. Elsewhere than Linux the probe returns
no hops (the grade then relies on the port-mapping gateway's answer alone).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import sys

import trio

from app.core.reach.upstream import HOP_TTLS, ICMP_TIME_EXCEEDED, Hop, parse_recverr

__all__ = ["HOP_SETTLE", "HOP_TIMEOUT", "probe_hops"]

log = logging.getLogger("peerup.engine.hops")

HOP_TIMEOUT = 1.0
"""Seconds to wait for the routers' answers (a home router and its ISP answer in milliseconds)."""

HOP_SETTLE = 0.3
"""Seconds the other TTLs' answers get once one router has answered."""

# Linux values (Python 3.11's socket module lacks the names).
_IP_RECVERR = getattr(socket, "IP_RECVERR", 11)
_MSG_ERRQUEUE = getattr(socket, "MSG_ERRQUEUE", 0x2000)
_PAYLOAD = b"peer-up hop probe"


async def probe_hops(
    target: tuple[str, int], *, ttls: tuple[int, ...] = HOP_TTLS, wait: float = HOP_TIMEOUT
) -> tuple[Hop, ...]:
    """Send one datagram per TTL towards ``target`` and collect the routers that answer.

    Args:
        target: An IPv4 ``(ip, port)``, e.g. a STUN server that just answered us.
        ttls: The TTLs to probe.
        wait: How long to wait for answers, seconds (the probe never takes longer).

    Returns:
        The routers that sent ICMP Time Exceeded, by TTL; empty when not on Linux, for an IPv6
        target, or when nothing answered (a router may not send ICMP).
    """
    if not sys.platform.startswith("linux") or ":" in target[0] or target[0].startswith("127."):
        return ()  # no IP_RECVERR, an IPv6 target (a v4 probe), or no router on the way
    hops: list[Hop] = []
    with contextlib.ExitStack() as stack:
        socks: list[tuple[int, socket.socket]] = []
        for ttl in ttls:
            try:
                sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
                sock.setblocking(False)
                sock.setsockopt(socket.IPPROTO_IP, _IP_RECVERR, 1)
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
                sock.sendto(_PAYLOAD, target)
            except OSError as exc:  # no route (offline): nothing to learn at this TTL
                log.debug("hop probe at TTL %d: %s", ttl, exc)
                continue
            socks.append((ttl, sock))
        with trio.move_on_after(wait) as scope:
            async with trio.open_nursery() as nursery:
                for ttl, sock in socks:
                    nursery.start_soon(_wait_answer, ttl, sock, hops, scope)
    return tuple(sorted(hops, key=lambda h: h.ttl))


async def _wait_answer(
    ttl: int, sock: socket.socket, hops: list[Hop], scope: trio.CancelScope
) -> None:
    """Wait for the ICMP error that ends this TTL's datagram; record the router's address.

    Routers answer within milliseconds of each other, and the datagram that reaches the target
    gets no ICMP at all: once one router has answered, the others get :data:`HOP_SETTLE` more.
    """
    while True:
        await trio.lowlevel.wait_readable(
            sock.fileno()
        )  # an error queued on the socket wakes us too
        try:
            _data, ancillary, _flags, _addr = sock.recvmsg(64, 512, _MSG_ERRQUEUE)
        except BlockingIOError:
            with contextlib.suppress(OSError):
                sock.recv(2048)  # a real answer (the target spoke): not a hop
            continue
        except OSError:
            return
        for level, kind, data in ancillary:
            if level != socket.IPPROTO_IP or kind != _IP_RECVERR:
                continue
            parsed = parse_recverr(data)
            if parsed is not None and parsed[0] == ICMP_TIME_EXCEEDED:
                hops.append(Hop(ttl, parsed[1]))
                scope.deadline = min(scope.deadline, trio.current_time() + HOP_SETTLE)
        return
