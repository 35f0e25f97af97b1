"""TCP-IPV6-ADDRESS: IPv6 TCP connections have no remote address.

Upstream (``libp2p.io.trio.TrioTCPStream.get_remote_address``): only a 2-tuple from
``getpeername()`` is accepted, but an IPv6 socket gives 4 (host, port, flow info, scope ID), so
every IPv6 TCP connection has no remote address and no transport address: DCUtR cannot verify the
direct connection it made (it kept punching and never let the relay go) and paths showed no
address.

Workaround (:func:`install`, process-wide): :func:`_tcp_remote_address` takes host and port from
either.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from libp2p.io import trio as _trio_io

_original_tcp_remote_address: Callable[[Any], tuple[str, int] | None] = (
    _trio_io.TrioTCPStream.get_remote_address
)


def _tcp_remote_address(self: Any) -> tuple[str, int] | None:
    """``TrioTCPStream.get_remote_address`` for IPv4 and IPv6 sockets (TCP-IPV6-ADDRESS).

    Same contract as upstream: ``(host, port)``, cached after the first success, or None when
    the socket is gone or not connected.
    """
    cached: tuple[str, int] | None = getattr(self, "_cached_remote_address", None)
    if cached is not None:
        return cached
    try:
        peer = self.stream.socket.getpeername()
    except (AttributeError, OSError):
        return None
    if not isinstance(peer, tuple) or len(peer) < 2:
        return None
    result = (str(peer[0]), int(peer[1]))
    self._cached_remote_address = result
    return result


def install() -> None:
    """Install :func:`_tcp_remote_address` on ``TrioTCPStream`` (idempotent)."""
    _trio_io.TrioTCPStream.get_remote_address = _tcp_remote_address  # type: ignore[method-assign]


def original_tcp_remote_address() -> Callable[[Any], tuple[str, int] | None]:
    """The upstream ``TrioTCPStream.get_remote_address``, for the test that proves the defect."""
    return _original_tcp_remote_address
