"""YAMUX-WINDOW-TIMEOUT, YAMUX-FRAME-SPLIT and YAMUX-WRITE-PER-FRAME
(``app/engine/compat/yamux_write.py``).

Each ``test_defect_*`` proves the defect is still in the pinned py-libp2p and fails once
upstream fixes it; the other tests prove the workaround works.
"""

from __future__ import annotations

import inspect
import os
from typing import Any

import pytest
import trio
import trio.testing
from libp2p.peer.peerinfo import PeerInfo
from libp2p.stream_muxer.exceptions import MuxedStreamError
from libp2p.stream_muxer.yamux import yamux

from app.engine.compat import noise_write_per_message, yamux_buffer_copies, yamux_write
from tests.unit.engine.compat.hosts import (
    SINK,
    noise_host,
    running,
)


def test_defect_yamux_write_has_a_five_second_deadline() -> None:
    source = inspect.getsource(yamux_write.original_yamux_write())
    assert "move_on_after(5.0)" in source
    assert "Timed out waiting for window update" in source


def test_defect_yamux_frames_do_not_fit_one_noise_message() -> None:
    from libp2p.security.noise.io import MAX_PLAINTEXT_LENGTH

    assert yamux.MAX_MESSAGE_SIZE > MAX_PLAINTEXT_LENGTH
    assert yamux_write._FRAME_PAYLOAD + yamux.HEADER_SIZE <= MAX_PLAINTEXT_LENGTH


async def _pause_reader(
    write_fn, pause: float, size: int = 2 << 20
) -> tuple[int, BaseException | None]:
    """Send ``size`` bytes to a peer that does not read for ``pause`` s; return bytes received."""
    server, client = noise_host(), noise_host()
    received = 0
    done = trio.Event()

    async def handler(stream) -> None:
        nonlocal received
        await trio.sleep(pause)
        while True:
            try:
                data = await stream.read(1 << 20)
            except Exception:
                break
            if not data:
                break
            received += len(data)
        done.set()

    server.set_stream_handler(SINK, handler)
    error: BaseException | None = None
    previous = yamux.YamuxStream.write
    yamux.YamuxStream.write = write_fn
    try:
        async with running(server, client):
            await client.connect(PeerInfo(server.get_id(), server.get_addrs()))
            stream = await client.new_stream(server.get_id(), [SINK])
            try:
                await stream.write(os.urandom(size))
                await stream.close()
            except MuxedStreamError as exc:
                error = exc
            except Exception as exc:
                error = exc
            with trio.move_on_after(10):
                await done.wait()
    finally:
        yamux.YamuxStream.write = previous
    return received, error


@pytest.mark.slow
@pytest.mark.trio
async def test_defect_yamux_write_fails_when_reader_pauses() -> None:
    received, error = await _pause_reader(
        yamux_write.original_yamux_write(), pause=7.0, size=16 << 20
    )
    assert error is not None
    assert received < 16 << 20


@pytest.mark.slow
@pytest.mark.trio
async def test_patched_yamux_write_survives_a_paused_reader() -> None:
    received, error = await _pause_reader(yamux_write._yamux_write, pause=7.0, size=16 << 20)
    assert error is None
    assert received == 16 << 20


def test_defect_yamux_writes_frame_by_frame() -> None:
    write = inspect.getsource(yamux_write.original_yamux_write())
    assert "await self.conn._write_frame(" in write  # one frame per call ...
    assert "while sent < total" in write  # ... in a loop over the frames of one write
    # Every frame's header is unpacked and a debug line formatted, logging on or not.
    frame = inspect.getsource(yamux_write.original_write_frame())
    assert "type_names" in frame
    assert "logger.debug(" in frame
    assert "isEnabledFor" not in frame


@pytest.mark.trio
async def test_batched_writes_carry_a_stream_intact_in_few_socket_writes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from libp2p.io.trio import TrioTCPStream

    monkeypatch.setattr(yamux.YamuxStream, "write", yamux_write._yamux_write)
    monkeypatch.setattr(yamux.Yamux, "__init__", yamux_buffer_copies._yamux_init)
    monkeypatch.setattr(yamux.Yamux, "_write_frame", yamux_write._write_frame)
    from libp2p.security.noise.io import NoiseTransportReadWriter

    monkeypatch.setattr(
        NoiseTransportReadWriter, "write_msg", noise_write_per_message._noise_write_msg
    )
    writes: list[int] = []
    original_write = TrioTCPStream.write

    async def counting_write(self: Any, data: bytes) -> None:
        writes.append(len(data))
        await original_write(self, data)

    monkeypatch.setattr(TrioTCPStream, "write", counting_write)
    server, client = noise_host(), noise_host()
    payload = os.urandom(4 << 20)
    received = bytearray()
    done = trio.Event()

    async def handler(stream: Any) -> None:
        while True:
            try:
                data = await stream.read(1 << 20)
            except Exception:
                break
            if not data:
                break
            received.extend(data)
        done.set()

    server.set_stream_handler(SINK, handler)
    with trio.fail_after(30):
        async with running(server, client):
            await client.connect(PeerInfo(server.get_id(), server.get_addrs()))
            stream = await client.new_stream(server.get_id(), [SINK])
            before = len(writes)
            await stream.write(payload)
            await stream.close()
            await done.wait()
            frames = -(-len(payload) // yamux_write._FRAME_PAYLOAD)
            data_writes = [n for n in writes[before:] if n > 1000]
            assert (
                len(data_writes) < frames / 2
            )  # four frames per socket write when the window allows
    assert bytes(received) == payload
