"""NOISE-CANCELLED-WRITE (``app/engine/compat/noise_cancelled_write.py``).

Each ``test_defect_*`` proves the defect is still in the pinned py-libp2p and fails once
upstream fixes it; the other tests prove the workaround works.
"""

from __future__ import annotations

import pytest
import trio
import trio.testing

from app.engine.compat import noise_cancelled_write, noise_write_per_message
from tests.unit.engine.compat.hosts import (
    Recorder,
    noise_messages,
    noise_pair,
)


class _SocketLike(Recorder):
    """A raw connection whose write passes a checkpoint (where a cancellation lands) first."""

    async def write(self, data: bytes) -> None:
        await trio.lowlevel.checkpoint()
        self.writes.append(bytes(data))


@pytest.mark.trio
async def test_defect_cancelled_noise_write_spends_its_nonce() -> None:
    from libp2p.security.noise.io import NoiseTransportReadWriter
    from noise.exceptions import NoiseInvalidMessage

    sender, receiver = noise_pair()
    raw = _SocketLike()
    upstream = NoiseTransportReadWriter(raw, sender)  # type: ignore[arg-type]
    with trio.CancelScope() as scope:
        scope.cancel()
        await noise_write_per_message.original_noise_write_msg()(upstream, b"lost")
    assert scope.cancelled_caught
    assert raw.writes == []  # nothing went out, but its nonce is spent:
    await noise_write_per_message.original_noise_write_msg()(upstream, b"next")
    with pytest.raises(NoiseInvalidMessage, match="Failed authentication"):
        receiver.decrypt(noise_messages(raw.writes[0])[0])


@pytest.mark.trio
async def test_cancelled_noise_write_still_sends_what_it_encrypted() -> None:
    from libp2p.security.noise.io import NoiseTransportReadWriter

    sender, receiver = noise_pair()
    raw = _SocketLike()
    patched = NoiseTransportReadWriter(raw, sender)  # type: ignore[arg-type]
    with trio.CancelScope() as scope:
        scope.cancel()
        await noise_write_per_message._noise_write_msg(patched, b"sent anyway")
        await trio.lowlevel.checkpoint()  # the cancellation lands after the write
    assert scope.cancelled_caught
    await noise_write_per_message._noise_write_msg(patched, b"next")
    received = [receiver.decrypt(m) for w in raw.writes for m in noise_messages(w)]
    assert received == [b"sent anyway", b"next"]


class _Stalled(Recorder):
    """A raw connection whose writes never complete (a path that stalled), closed on request."""

    closed = False

    async def write(self, data: bytes) -> None:
        await trio.sleep_forever()

    async def close(self) -> None:
        self.closed = True


@pytest.mark.trio
async def test_cancelled_noise_write_on_a_stalled_path_gives_up_and_closes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from libp2p.network.connection.exceptions import RawConnError
    from libp2p.security.noise.io import NoiseTransportReadWriter

    monkeypatch.setattr(noise_cancelled_write, "SPENT_WRITE_LIMIT", 0.3)
    sender, _receiver = noise_pair()
    raw = _Stalled()
    patched = NoiseTransportReadWriter(raw, sender)  # type: ignore[arg-type]
    started = trio.current_time()
    with trio.fail_after(5), trio.CancelScope() as scope:
        scope.cancel()  # the shield holds the cancellation off only until the limit
        with pytest.raises(RawConnError, match="connection closed"):
            await noise_write_per_message._noise_write_msg(patched, b"stuck")
    assert 0.25 <= trio.current_time() - started < 2
    assert raw.closed
