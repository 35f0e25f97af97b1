"""NOISE-WRITE-PER-MESSAGE (``app/engine/compat/noise_write_per_message.py``).

Each ``test_defect_*`` proves the defect is still in the pinned py-libp2p and fails once
upstream fixes it; the other tests prove the workaround works.
"""

from __future__ import annotations

import inspect
import os

import pytest

from app.engine.compat import noise_write_per_message
from tests.unit.engine.compat.hosts import (
    Recorder,
    noise_messages,
    noise_pair,
)


def test_defect_noise_writes_each_message_on_its_own() -> None:
    source = inspect.getsource(noise_write_per_message.original_noise_write_msg())
    assert "while written < total" in source
    assert "await self.read_writer.write_msg(data_encrypted)" in source


@pytest.mark.trio
@pytest.mark.parametrize("size", [0, 1, 65519, 65520, 4 * 65519 + 7])
async def test_noise_batch_write_sends_the_same_bytes_in_one_write(size: int) -> None:
    from libp2p.security.noise.io import NoiseTransportReadWriter

    sender, receiver = noise_pair()
    payload = os.urandom(size)
    upstream_raw, patched_raw = Recorder(), Recorder()
    upstream = NoiseTransportReadWriter(upstream_raw, sender)  # type: ignore[arg-type]
    patched = NoiseTransportReadWriter(patched_raw, sender)  # type: ignore[arg-type]
    state = sender.noise_protocol.cipher_state_encrypt
    start = state.n
    await noise_write_per_message.original_noise_write_msg()(upstream, payload)
    assert state.n == start + max(1, -(-size // 65519))
    state.n = start  # the same nonces again: the output must be byte for byte the same
    await noise_write_per_message._noise_write_msg(patched, payload)
    assert len(patched_raw.writes) == 1
    assert patched_raw.writes[0] == b"".join(upstream_raw.writes)
    plain = b"".join(receiver.decrypt(m) for m in noise_messages(patched_raw.writes[0]))
    assert plain == payload


@pytest.mark.trio
async def test_noise_batch_write_cuts_messages_where_frames_end() -> None:
    from libp2p.security.noise.io import NoiseTransportReadWriter

    sender, receiver = noise_pair()
    raw = Recorder()
    writer = NoiseTransportReadWriter(raw, sender)  # type: ignore[arg-type]
    writer._peerup_message_size = 1000  # type: ignore[attr-defined]  # what _frame_payload sets
    payload = os.urandom(2500)
    await noise_write_per_message._noise_write_msg(writer, payload)
    messages = noise_messages(raw.writes[0])
    assert [len(receiver.decrypt(m)) for m in messages] == [1000, 1000, 500]
