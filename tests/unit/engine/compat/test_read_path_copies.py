"""READ-PATH-COPIES (``app/engine/compat/read_path_copies.py``).

Each ``test_defect_*`` proves the defect is still in the pinned py-libp2p and fails once
upstream fixes it; the other tests prove the workaround works.
"""

from __future__ import annotations

import inspect

import pytest

from app.engine.compat import read_path_copies


def test_defect_read_path_copies_every_frame() -> None:
    from libp2p.security.secure_session import SecureSession

    assert "bytearray()" in inspect.getsource(read_path_copies.original_read_exactly())
    assert "BytesIO" in inspect.getsource(SecureSession)
    assert "_drain" in inspect.getsource(read_path_copies.original_secure_read())


class _Messages:
    """A Noise reader that hands out the given messages, then b"" (closed)."""

    def __init__(self, *messages: bytes) -> None:
        self.messages = list(messages)

    async def read_msg(self) -> bytes:
        return self.messages.pop(0) if self.messages else b""


def _session(*messages: bytes):
    from libp2p.security.secure_session import SecureSession

    session = SecureSession.__new__(SecureSession)
    session.conn = _Messages(*messages)
    session._reset_internal_buffer()
    return session


@pytest.mark.trio
@pytest.mark.parametrize(
    "read", [read_path_copies.original_secure_read(), read_path_copies._secure_read]
)
async def test_secure_read_contract(read) -> None:
    from libp2p.io.exceptions import ConnectionClosedError

    session = _session(b"header" + b"body", b"abc", b"defgh", b"last")
    assert await read(session, 6) == b"header"
    assert await read(session, None) == b"body"
    assert await read(session, 0) == b""
    assert await read(session, 5) == b"abcde"  # across messages
    assert await read(session, 2) == b"fg"
    assert await read(session, 4) == b"hlas"
    assert await read(session, 10) == b"t"  # the connection closed after some data
    with pytest.raises(ConnectionClosedError):
        await read(session, 1)
    with pytest.raises(ConnectionClosedError):
        await read(_session(), None)


@pytest.mark.trio
@pytest.mark.parametrize(
    "read_exactly", [read_path_copies.original_read_exactly(), read_path_copies._read_exactly]
)
async def test_read_exactly_contract(read_exactly) -> None:
    from libp2p.io.exceptions import IncompleteReadError

    class Chunks:
        def __init__(self, *chunks: bytes) -> None:
            self.chunks = list(chunks)

        async def read(self, n: int) -> bytes:
            chunk = self.chunks.pop(0) if self.chunks else b""
            if len(chunk) > n:
                self.chunks.insert(0, chunk[n:])
            return chunk[:n]

    assert await read_exactly(Chunks(b"abcdef"), 6) == b"abcdef"
    assert await read_exactly(Chunks(b"ab", b"cd", b"efgh"), 6) == b"abcdef"
    with pytest.raises(IncompleteReadError) as partial:
        await read_exactly(Chunks(b"ab"), 6)
    assert partial.value.received_bytes == 2
    assert not partial.value.is_clean_close
    with pytest.raises(IncompleteReadError) as clean:
        await read_exactly(Chunks(), 6)
    assert clean.value.is_clean_close
