"""YAMUX-SHUTDOWN-EOF (``app/engine/compat/yamux_shutdown_eof.py``).

Each ``test_defect_*`` proves the defect is still in the pinned py-libp2p and fails once
upstream fixes it; the other tests prove the workaround works.
"""

from __future__ import annotations

import pytest
import trio
import trio.testing
from libp2p.peer.peerinfo import PeerInfo
from libp2p.stream_muxer.yamux import yamux

from app.engine.compat import yamux_shutdown_eof
from tests.unit.engine.compat.hosts import (
    SINK,
    noise_host,
    running,
)


async def _read_after_session_close(read_fn) -> BaseException | bytes:
    """Open a stream, let the server hold it open, close the client's yamux session, read."""
    server, client = noise_host(), noise_host()
    hold = trio.Event()

    async def handler(stream) -> None:
        await hold.wait()

    server.set_stream_handler(SINK, handler)
    previous = yamux.YamuxStream.read
    yamux.YamuxStream.read = read_fn
    try:
        async with running(server, client):
            await client.connect(PeerInfo(server.get_id(), server.get_addrs()))
            stream = await client.new_stream(server.get_id(), [SINK])
            result: BaseException | bytes
            async with trio.open_nursery() as nursery:

                async def close_soon() -> None:
                    await trio.sleep(0.2)
                    await stream.muxed_conn.close()

                nursery.start_soon(close_soon)
                with trio.fail_after(5):
                    try:
                        result = await stream.read(100)
                    except Exception as exc:
                        result = exc
            hold.set()
    finally:
        yamux.YamuxStream.read = previous
    return result


@pytest.mark.trio
async def test_defect_yamux_session_close_reads_as_a_clean_eof() -> None:
    from libp2p.network.stream.exceptions import StreamEOF

    yamux_shutdown_eof.install()  # close() marks cut streams; upstream read ignores it
    result = await _read_after_session_close(yamux_shutdown_eof.original_yamux_read())
    assert isinstance(result, StreamEOF)  # the peer never finished the stream


@pytest.mark.trio
async def test_patched_yamux_read_reports_a_cut_stream_as_reset() -> None:
    from libp2p.network.stream.exceptions import StreamReset

    yamux_shutdown_eof.install()
    result = await _read_after_session_close(yamux_shutdown_eof._yamux_read)
    assert isinstance(result, StreamReset)


@pytest.mark.trio
async def test_patched_yamux_read_keeps_a_finished_stream_clean() -> None:
    from libp2p.network.stream.exceptions import StreamEOF

    yamux_shutdown_eof.install()
    server, client = noise_host(), noise_host()

    async def handler(stream) -> None:
        await stream.write(b"done")
        await stream.close()

    server.set_stream_handler(SINK, handler)
    async with running(server, client):
        await client.connect(PeerInfo(server.get_id(), server.get_addrs()))
        stream = await client.new_stream(server.get_id(), [SINK])
        with trio.fail_after(5):
            assert await stream.read(100) == b"done"
            with pytest.raises(StreamEOF):
                await stream.read(100)
