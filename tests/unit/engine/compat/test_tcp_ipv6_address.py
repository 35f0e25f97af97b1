"""TCP-IPV6-ADDRESS (``app/engine/compat/tcp_ipv6_address.py``).

Each ``test_defect_*`` proves the defect is still in the pinned py-libp2p and fails once
upstream fixes it; the other tests prove the workaround works.
"""

from __future__ import annotations

import pytest
import trio
import trio.testing

from app.engine.compat import tcp_ipv6_address
from tests.unit.engine.compat.hosts import (
    needs_ipv6,
)


@needs_ipv6
@pytest.mark.trio
async def test_defect_tcp_remote_address_is_none_for_ipv6() -> None:
    from libp2p.io.trio import TrioTCPStream

    listeners = await trio.open_tcp_listeners(0, host="::1")
    port = listeners[0].socket.getsockname()[1]
    stream = await trio.open_tcp_stream("::1", port)  # the backlog completes the handshake
    try:
        assert tcp_ipv6_address.original_tcp_remote_address()(TrioTCPStream(stream)) is None
        assert tcp_ipv6_address._tcp_remote_address(TrioTCPStream(stream)) == ("::1", port)
    finally:
        await stream.aclose()
        for listener in listeners:
            await listener.aclose()


@pytest.mark.trio
async def test_tcp_remote_address_keeps_ipv4() -> None:
    from libp2p.io.trio import TrioTCPStream

    listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
    port = listeners[0].socket.getsockname()[1]
    stream = await trio.open_tcp_stream("127.0.0.1", port)
    try:
        expected = tcp_ipv6_address.original_tcp_remote_address()(TrioTCPStream(stream))
        assert expected == ("127.0.0.1", port)
        assert tcp_ipv6_address._tcp_remote_address(TrioTCPStream(stream)) == expected
    finally:
        await stream.aclose()
        for listener in listeners:
            await listener.aclose()
