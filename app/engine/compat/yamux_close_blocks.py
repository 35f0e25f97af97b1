"""YAMUX-CLOSE-BLOCKS: closing a yamux connection on a dead path never returns.

Upstream (``libp2p.stream_muxer.yamux.yamux.Yamux.close``): a GO_AWAY frame is written first,
with no deadline, and only then are the streams woken; on a dead path whose TCP send buffer is
full (a transfer was running) the write never completes, so the connection is never closed and
its streams hang.

Workaround (per connection, where the node closes one): :func:`abort_transport` shuts the TCP
socket down first (and makes its close a reset): pending writes fail at once and the muxer's
reader sees the end, which ends every stream. The upstream ``close`` the proof reads is
:func:`app.engine.compat.yamux_shutdown_eof.original_yamux_close` (that workaround wraps it).
"""

from __future__ import annotations

import contextlib
import socket
import struct
from typing import Any

import trio

_TRANSPORT_ATTRS = ("muxed_conn", "secured_conn", "conn", "read_writer", "stream")


def transport_socket(conn: Any) -> Any:
    """The TCP socket under a swarm connection; None for QUIC or relayed connections."""
    obj, seen = conn, 0
    while obj is not None and seen < 10:
        if isinstance(obj, trio.SocketStream):
            return obj.socket
        obj = next((getattr(obj, a) for a in _TRANSPORT_ATTRS if hasattr(obj, a)), None)
        seen += 1
    return None


def abort_transport(conn: Any) -> bool:
    """Shut down the TCP socket under a swarm connection (defect YAMUX-CLOSE-BLOCKS).

    Returns:
        Whether a socket was found (not for QUIC or relayed connections, which have none).
    """
    sock = transport_socket(conn)
    if sock is None:
        return False
    with contextlib.suppress(OSError):
        # Closing then sends a RST and frees the address pair at once: a graceful close
        # would keep the old connection retransmitting (for minutes on a dead path), and
        # a new hole punch between the same two ports could not bind until it gives up.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RDWR)
    return True
