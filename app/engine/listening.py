"""Where a node listens: its libp2p listen addresses, and that their fixed ports are free."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import multiaddr
import trio

from app.core.errors import AddressInUseError

__all__ = ["LISTENER_PROBE_TIMEOUT", "check_listen_ports_free", "listen_addresses"]

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
