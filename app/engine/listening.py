"""Where a node listens: its libp2p listen addresses, that their fixed ports are free, and
whether a forward could listen on an address (with a free one near it when not)."""

from __future__ import annotations

import errno
import logging
from collections.abc import Collection, Sequence

import multiaddr
import trio

from app.core.errors import AddressInUseError
from app.core.ids.netaddr import format_host_port, parse_host_port
from app.core.status import ListenCheck

__all__ = [
    "LISTENER_PROBE_TIMEOUT",
    "check_listen",
    "check_listen_ports_free",
    "listen_addresses",
    "same_listen_address",
]

log = logging.getLogger("peerup.engine.listening")


def listen_addresses(configured: Sequence[str], *, quic: bool) -> list[str]:
    """The addresses to listen on, given the QUIC switch.

    With QUIC off, QUIC addresses are dropped (with a warning). With QUIC on and no QUIC address
    configured, each TCP address gets a QUIC twin on a free UDP port, because py-libp2p ends up
    listening on nothing when QUIC is enabled with TCP addresses only (platform notes).
    """
    tcp = [a for a in configured if "/quic" not in a]
    quic_addrs = [a for a in configured if "/quic" in a]
    if not quic:
        if quic_addrs:
            log.warning(
                "ignoring QUIC listen addresses (network.enable_quic is false): %s", quic_addrs
            )
        return tcp
    if not quic_addrs:
        quic_addrs = [
            "/".join(a.split("/")[:3]) + "/udp/0/quic-v1"
            for a in tcp
            if a.split("/")[3:4] == ["tcp"]
        ]
    return tcp + quic_addrs


LISTENER_PROBE_TIMEOUT = 0.5
_LOOPBACK_FOR = {"0.0.0.0": "127.0.0.1", "::": "::1"}


async def check_listen_ports_free(listen: Sequence[multiaddr.Multiaddr]) -> None:
    """Refuse to start when something already listens on a fixed TCP listen port.

    py-libp2p listens with SO_REUSEPORT (hole punching dials from the listen port), so a second
    daemon on the same port would start too and the kernel would split incoming connections
    between the two. A test bind cannot tell a listener from the sockets an earlier run left
    closing on that port (a restart would be refused), so this connects to the port instead
    (wildcards through loopback): only a listener accepts. Port 0 is not checked.

    Raises:
        AddressInUseError: a socket already listens on one of the ports.
    """
    for addr in listen:
        parts = str(addr).split("/")
        if len(parts) != 5 or parts[1] not in ("ip4", "ip6") or parts[3] != "tcp":
            continue
        if not parts[4].isdigit() or int(parts[4]) == 0:
            continue
        port = int(parts[4])
        with trio.move_on_after(LISTENER_PROBE_TIMEOUT):
            try:
                stream = await trio.open_tcp_stream(_LOOPBACK_FOR.get(parts[2], parts[2]), port)
            except OSError:
                continue  # refused (nobody listens), or an address the listener will report
            await stream.aclose()
            raise AddressInUseError(
                f"Cannot listen on {addr}: TCP port {port} is already in use.",
                hint="Another peerup daemon or program uses it: stop it, or set another "
                "port in network.listen_addresses (port 0 picks a free one).",
            )


# ---- can a forward listen there? (POST forwards/check) -------------------------------------------

SUGGESTION_TRIES = 100
"""How many ports after the one asked for are tried for a suggestion."""
UNPRIVILEGED_OFFSET = 8000
"""A port below 1024 is suggested from its usual unprivileged twin up (22 → 8022, 80 → 8080)."""
_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
_WILDCARDS = frozenset({"0.0.0.0", "::", ""})


def same_listen_address(a: tuple[str, int], b: tuple[str, int]) -> bool:
    """Whether two ``(host, port)`` would take the same local port: the same port, and the same
    host, both loopback names, or one a wildcard."""
    if a[1] != b[1]:
        return False
    hosts = {a[0].lower(), b[0].lower()}
    return len(hosts) == 1 or hosts <= _LOOPBACK_NAMES or bool(hosts & _WILDCARDS)


async def _listen_problem(
    host: str, port: int, taken: Collection[tuple[str, int]]
) -> tuple[str, str] | None:
    """Why a forward could not listen on ``host:port`` (message, code), or None."""
    address = format_host_port(host, port)
    if port and any(same_listen_address((host, port), t) for t in taken):
        return f"{address} is used by another forward", "used-by-forward"
    try:
        listeners = await trio.open_tcp_listeners(port, host=host)
    except trio.socket.gaierror as exc:
        return f"cannot listen on {address}: unknown host ({exc.strerror or exc})", "unknown-host"
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            return f"{address} is already in use by another program", "address-in-use"
        if exc.errno in (errno.EACCES, errno.EPERM):
            return (
                f"no permission to listen on {address} (ports below 1024 need root)",
                "permission-denied",
            )
        if exc.errno == errno.EADDRNOTAVAIL:
            return f"{host} is not an address of this machine", "address-not-available"
        return f"cannot listen on {address}: {exc.strerror or exc}", "cannot-listen"
    for listener in listeners:
        await listener.aclose()
    return None


async def check_listen(listen: str, taken: Collection[tuple[str, int]]) -> ListenCheck:
    """Whether a forward could listen on ``listen``, and if not a free address near it.

    The address is bound (and closed at once) the way a forward binds it; ``taken`` are the
    addresses of the node's forwards (saved ones that are stopped too), which count as used.

    Raises:
        InvalidAddressError: ``listen`` is not host:port, or its port is outside 0-65535.
    """
    host, port = parse_host_port(listen)
    address = format_host_port(host, port)
    problem = await _listen_problem(host, port, taken)
    if problem is None:
        return ListenCheck(listen=address, free=True)
    error, code = problem
    suggestion = None
    if code in ("used-by-forward", "address-in-use", "permission-denied"):
        suggestion = await _suggest(host, port, taken)
    return ListenCheck(
        listen=address, free=False, suggestion=suggestion, error=error, error_code=code
    )


async def _suggest(host: str, port: int, taken: Collection[tuple[str, int]]) -> str | None:
    first = port + 1 if port + 1 >= 1024 else port + UNPRIVILEGED_OFFSET
    for candidate in range(first, min(first + SUGGESTION_TRIES, 65536)):
        if await _listen_problem(host, candidate, taken) is None:
            return format_host_port(host, candidate)
    return None
