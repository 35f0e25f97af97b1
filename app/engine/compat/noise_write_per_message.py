"""NOISE-WRITE-PER-MESSAGE: a long Noise write is encrypted and written message by message.

Upstream (``libp2p.security.noise.io.NoiseTransportReadWriter.write_msg``): a write longer than
one Noise message is encrypted chunk by chunk into new objects, each copied again behind its
length prefix and written to the connection on its own.

Workaround (:func:`install`, process-wide): :func:`_noise_write_msg` encrypts every chunk in
place into one buffer and writes it once (the same bytes on the wire), cut where yamux frames end
(YAMUX-FRAME-SPLIT, :mod:`app.engine.compat.yamux_write`). Its write of what it encrypted is
where NOISE-CANCELLED-WRITE is worked around (:mod:`app.engine.compat.noise_cancelled_write`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from libp2p.security.noise import io as _noise_io
from libp2p.security.noise.io import MAX_PLAINTEXT_LENGTH as NOISE_MAX_PLAINTEXT
from noise.backends.default.ciphers import (  # type: ignore[import-untyped]
    ChaCha20Cipher as _ChaCha20Cipher,
)
from noise.exceptions import NoiseMaxNonceError  # type: ignore[import-untyped]

from app.engine.compat.noise_cancelled_write import _write_spent

NOISE_OVERHEAD = 2 + 16
"""Bytes a Noise transport message adds to its plaintext: the 2-byte length and the 16-byte tag."""


_original_noise_write_msg: Callable[..., Awaitable[None]] = (
    _noise_io.NoiseTransportReadWriter.write_msg
)
_NOISE_MAX_NONCE = 2**64 - 1


async def _noise_write_msg(self: Any, msg: bytes, prefix_encoded: bool = False) -> None:
    """Encrypt a write's Noise messages into one buffer and write it once (NOISE-WRITE-PER-MESSAGE).

    Upstream encrypts a write longer than one Noise message chunk by chunk, each into a new
    object, prefixes each with its length (another copy) and writes each to the socket on its
    own. Here every chunk is encrypted in place into one buffer that already holds the length
    prefixes, and the buffer goes to the connection in one write. The wire format is unchanged:
    the same messages with the same nonces. Anything but ChaCha20-Poly1305 (the only cipher
    py-libp2p negotiates) or the handshake's prefixed messages takes upstream's path.
    """
    protocol = getattr(self.noise_state, "noise_protocol", None)
    state: Any = getattr(protocol, "cipher_state_encrypt", None)
    cipher = getattr(state, "cipher", None)
    if (
        prefix_encoded
        or not isinstance(cipher, _ChaCha20Cipher)
        or not self.noise_state.handshake_finished
    ):
        await _original_noise_write_msg(self, msg, prefix_encoded)
        return
    aead = cipher.cipher
    # Cut where yamux frames end (set by _frame_payload), so that each message holds one frame.
    step: int = min(getattr(self, "_peerup_message_size", NOISE_MAX_PLAINTEXT), NOISE_MAX_PLAINTEXT)
    view = memoryview(msg)
    total = len(msg)
    count = max(1, -(-total // step))
    out = bytearray(total + count * NOISE_OVERHEAD)
    target = memoryview(out)
    pos = 0
    for start in range(0, max(total, 1), step):
        chunk = view[start : start + step]
        size = len(chunk) + 16
        nonce = state.n
        if nonce >= _NOISE_MAX_NONCE:
            raise NoiseMaxNonceError("Nonce has depleted!")
        target[pos : pos + 2] = size.to_bytes(2, "big")
        aead.encrypt_into(b"\x00\x00\x00\x00" + nonce.to_bytes(8, "little"), chunk, None,
                          target[pos + 2 : pos + 2 + size])  # fmt: skip
        state.n = nonce + 1
        pos += 2 + size
    target.release()
    await _write_spent(self.read_writer.read_write_closer, out)


def install() -> None:
    """Install :func:`_noise_write_msg` on ``NoiseTransportReadWriter`` (idempotent)."""
    _noise_io.NoiseTransportReadWriter.write_msg = _noise_write_msg  # type: ignore[method-assign]


def original_noise_write_msg() -> Callable[..., Awaitable[None]]:
    """The upstream ``NoiseTransportReadWriter.write_msg``, for the tests that prove the defects."""
    return _original_noise_write_msg
