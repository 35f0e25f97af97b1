"""TCP-SMALL-READS (``app/engine/compat/tcp_small_reads.py``).

Each ``test_defect_*`` proves the defect is still in the pinned py-libp2p and fails once
upstream fixes it; the other tests prove the workaround works.
"""

from __future__ import annotations

import os

import pytest
import trio
import trio.testing

from app.engine.compat import tcp_small_reads


async def _tcp_pair() -> tuple[trio.SocketStream, trio.SocketStream]:
    listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
    port = listeners[0].socket.getsockname()[1]
    client = await trio.open_tcp_stream("127.0.0.1", port)
    server = await listeners[0].accept()
    await listeners[0].aclose()
    return client, server


@pytest.mark.trio
async def test_defect_tcp_reads_are_one_socket_read_each() -> None:
    from libp2p.io.trio import TrioTCPStream

    client, server = await _tcp_pair()
    async with client, server:
        await client.send_all(b"ab" + b"x" * 98)
        await trio.sleep(0.05)
        reader = TrioTCPStream(server)
        assert await tcp_small_reads.original_tcp_read()(reader, 2) == b"ab"
        # The other 98 bytes are still in the socket: every small read is a socket read.
        assert len(os.read(server.socket.fileno(), 1000)) == 98


@pytest.mark.trio
async def test_patched_tcp_reads_serve_small_reads_from_one_socket_read() -> None:
    from libp2p.io.trio import TrioTCPStream

    client, server = await _tcp_pair()
    reader = TrioTCPStream(server)
    async with client, server:
        await client.send_all(b"ab" + b"x" * 98)
        await trio.sleep(0.05)
        assert await tcp_small_reads._tcp_read(reader, 2) == b"ab"
        with pytest.raises(BlockingIOError):
            os.read(server.socket.fileno(), 1000)  # everything was read at once
        assert await tcp_small_reads._tcp_read(reader, 50) == b"x" * 50
        assert await tcp_small_reads._tcp_read(reader, 0) == b""
        assert await tcp_small_reads._tcp_read(reader, 1000) == b"x" * 48
        await client.send_all(b"tail")
        await client.send_eof()
        assert await tcp_small_reads._tcp_read(reader, None) == b"tail"
        assert await tcp_small_reads._tcp_read(reader, 10) == b""


@pytest.mark.trio
async def test_received_bytes_counts_what_a_connection_read_through_its_layers() -> None:
    from libp2p.io.trio import TrioTCPStream

    client, server = await _tcp_pair()
    reader = TrioTCPStream(server)

    class Layer:  # how a swarm connection holds its TCP stream (muxed_conn.secured_conn.conn…)
        def __init__(self, **attrs: object) -> None:
            self.__dict__.update(attrs)

    conn = Layer(muxed_conn=Layer(secured_conn=Layer(conn=reader)))
    async with client, server:
        assert tcp_small_reads.received_bytes(conn) is None  # nothing read yet
        await client.send_all(b"x" * 100)
        await trio.sleep(0.05)
        assert await tcp_small_reads._tcp_read(reader, 10) == b"x" * 10
        assert tcp_small_reads.received_bytes(conn) == 100  # one socket read of all of it
        await client.send_all(b"y" * 20)
        assert await tcp_small_reads._tcp_read(reader, 100) == b"x" * 90
        assert len(await tcp_small_reads._tcp_read(reader, 100)) == 20
        assert tcp_small_reads.received_bytes(conn) == 120
    assert tcp_small_reads.received_bytes(Layer(muxed_conn=None)) is None  # no TCP stream
