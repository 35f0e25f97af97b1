"""Copy bytes both ways between a local TCP stream and a libp2p stream.

Each direction runs until its source reaches end-of-file, then half-closes its destination, so a
client that shuts down its write side still receives the reply (TCP FIN ↔ yamux FIN). The splice
ends when both directions have finished, or when either side breaks, in which case the other side
is reset/closed at once so neither peer waits for data that will never come.
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

import trio
from libp2p.abc import INetStream
from libp2p.io.exceptions import ConnectionClosedError, IncompleteReadError
from libp2p.network.connection.exceptions import RawConnError
from libp2p.network.stream.exceptions import StreamEOF, StreamReset
from libp2p.security.noise.exceptions import PeerIDMismatchesPubkey
from libp2p.stream_muxer.exceptions import MuxedConnUnavailable, MuxedStreamReset
from libp2p.transport.exceptions import MuxerUpgradeFailure

from app.core.wire.refusal import MAX_REFUSAL, decode_refusal, encode_refusal, may_be_refusal
from app.engine.compat import causes

# Large chunks matter: py-libp2p's per-write overhead is high (64 KiB chunks move ~40 MB/s,
# 1 MiB chunks ~80 MB/s on loopback).
CHUNK = 1 << 20

# A libp2p stream read of this size takes everything the stream has buffered (more than any yamux
# receive window). py-libp2p keeps each yamux stream's received data in one bytearray: a read that
# takes only part of it leaves the rest behind an offset, and the next frame appended then copies
# all of it to a new allocation (~1 ms per 64 KiB frame with a few MB buffered, the largest single
# cost of a relay in the profile). A read that takes everything empties the bytearray instead.
READ_ALL = 1 << 30

# Such a read can bring many megabytes when the local reader is slower than the peer; writing
# them in slices keeps the byte counters (and the live rates built on them) moving meanwhile.
SEND_SLICE = 1 << 18


@dataclass(slots=True, eq=False)
class Counters:
    """Byte counters of one spliced connection (mutable; read by the owner for statistics).

    Equal only to itself: a forward keeps the counters of its live connections in a list and
    removes each one's own when it ends; compared by value, a connection ending with the same
    counts as another (0 and 0, say, when both failed to open) removed the other's, and the
    other's removal then raised ValueError and took the daemon down.
    """

    up: int = 0  # TCP → libp2p
    down: int = 0  # libp2p → TCP


class SpliceError(Exception):
    """One side of a splice failed; the message says which and why.

    Attributes:
        code: Stable code: the peer's refusal code, or ``connection-broken``.
    """

    def __init__(self, message: str, code: str = "connection-broken") -> None:
        super().__init__(message)
        self.code = code


def _drain_nowait(fd: int, first: bytes) -> tuple[bytes, bool]:
    """Append whatever else the socket already holds (up to CHUNK) to ``first``, without waiting.

    trio sockets are non-blocking, so ``os.read`` returns what is buffered or raises
    BlockingIOError. Fewer, larger writes into the libp2p stream mean fewer yamux frames and Noise
    messages, which is where py-libp2p spends its time. Returns the data and whether EOF was seen.
    """
    parts = [first]
    size = len(first)
    while size < CHUNK:
        try:
            more = os.read(fd, CHUNK - size)
        except (BlockingIOError, InterruptedError):
            break
        if not more:
            return b"".join(parts), True
        parts.append(more)
        size += len(more)
    return (b"".join(parts) if len(parts) > 1 else first), False


async def _tcp_to_p2p(tcp: trio.SocketStream, stream: INetStream, counters: Counters) -> None:
    fd = tcp.socket.fileno()
    eof = False
    while not eof:
        data = await tcp.receive_some(CHUNK)
        if not data:
            break
        data, eof = _drain_nowait(fd, data)
        await stream.write(data)
        counters.up += len(data)
    await stream.close_write()  # type: ignore[attr-defined]  # NetStream has it; the ABC lacks it


async def _p2p_to_tcp(stream: INetStream, tcp: trio.SocketStream, counters: Counters) -> None:
    first = True
    while True:
        try:
            data = await stream.read(READ_ALL)
        except StreamEOF:
            break
        if not data:
            break
        if first:
            first = False
            if may_be_refusal(data):
                data = await _read_refusal(stream, data)
        view = memoryview(data)
        for start in range(0, len(view), SEND_SLICE):
            piece = view[start : start + SEND_SLICE]
            await tcp.send_all(piece)
            counters.down += len(piece)
    with contextlib.suppress(trio.ClosedResourceError):
        await tcp.send_eof()


class RefusedError(Exception):
    """The serving peer refused the stream and said why (app.core.wire.refusal)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


async def _read_refusal(stream: INetStream, data: bytes) -> bytes:
    """Read the rest of a possible refusal record; raise RefusedError if it is one."""
    while may_be_refusal(data) and len(data) <= MAX_REFUSAL:
        try:
            with trio.move_on_after(5):
                more = await stream.read(MAX_REFUSAL)
        except StreamEOF:
            more = b""
        if not more:
            break
        data += more
    refusal = decode_refusal(data)
    if refusal is not None:
        raise RefusedError(*refusal)
    return data


async def refuse(stream: INetStream, code: str, message: str) -> None:
    """Refuse a service stream with a reason the client shows, then close it."""
    try:
        with trio.move_on_after(2):
            await stream.write(encode_refusal(code, message))
    except Exception:  # the client is gone; nothing to tell
        pass
    await close_quietly(stream)


async def splice(tcp: trio.SocketStream, stream: INetStream, counters: Counters) -> None:
    """Run both copy directions until both end; raise :class:`SpliceError` if one breaks.

    On return or failure both the TCP stream and the libp2p stream are closed (or reset on error).
    """
    errors: list[SpliceError] = []
    try:
        async with trio.open_nursery() as nursery:

            async def run(direction: str, copy: Callable[[], Awaitable[None]]) -> None:
                try:
                    await copy()
                except RefusedError as exc:
                    errors.append(SpliceError(f"refused by the peer: {exc}", exc.code))
                    nursery.cancel_scope.cancel()
                except Exception as exc:  # libp2p raises many kinds of errors on broken streams
                    errors.append(SpliceError(f"{direction}: {str(exc) or type(exc).__name__}"))
                    nursery.cancel_scope.cancel()

            nursery.start_soon(run, "local → peer", partial(_tcp_to_p2p, tcp, stream, counters))
            nursery.start_soon(run, "peer → local", partial(_p2p_to_tcp, stream, tcp, counters))
    finally:
        with trio.CancelScope(shield=True):
            if errors:
                await reset_quietly(stream)
                reset_on_close(tcp)
            else:
                await close_quietly(stream)
            await tcp.aclose()
    if errors:
        raise errors[0]


def reset_on_close(tcp: trio.SocketStream) -> None:
    """Make closing ``tcp`` send a RST: the local client must see a broken connection, not an
    end of data that looks complete (or, before any byte, an empty reply)."""
    with contextlib.suppress(OSError):
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


async def reset_quietly(stream: INetStream) -> None:
    """Reset a stream, ignoring failure (a broken stream is unusable either way)."""
    try:
        with trio.move_on_after(2):
            await stream.reset()
    except Exception:  # the stream is already broken; nothing more to do with it
        pass


async def close_quietly(stream: INetStream) -> None:
    """Close a stream, ignoring failure (a closed or broken stream is done either way)."""
    try:
        with trio.move_on_after(2):
            await stream.close()
    except Exception:  # closing an already-closed stream may raise; it is closed either way
        pass


async def read_to_eof(stream: INetStream, limit: int) -> bytes:
    """Read until the peer closes its side, stopping once more than ``limit`` bytes arrived.

    The result may exceed ``limit`` (by less than one read); callers treat that as too large.
    """
    data = b""
    while len(data) <= limit:
        try:
            chunk = await stream.read(limit + 1)
        except StreamEOF:
            break
        if not chunk:
            break
        data += chunk
    return data


def first_line(exc: BaseException) -> str:
    """An exception as one short line for users (py-libp2p messages span many lines)."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


def dial_failure_text(exc: BaseException) -> str:
    """A failed dial as one line a user can act on, from the cause py-libp2p wraps.

    py-libp2p's outer message (``unable to connect to <id>, no addresses established a successful
    connection (with exceptions)``) hides the reason; its cause chain holds it.
    """
    chain = causes(exc)
    if any(isinstance(c, PeerIDMismatchesPubkey) for c in chain):
        return "another peer answers at this address (is the /p2p/ peer ID in it right?)"
    if any(isinstance(c, ConnectionRefusedError) for c in chain):
        return "connection refused (nothing listens on that port)"
    if any(isinstance(c, TimeoutError | trio.TooSlowError) for c in chain):
        return "timed out"
    if any(isinstance(c, MuxerUpgradeFailure) for c in chain):
        return (
            "the peer hung up right after the secure handshake "
            "(does its authorized_keys list this node?)"
        )
    return _os_error_text(chain) or first_line(exc)


def _os_error_text(chain: list[BaseException]) -> str | None:
    """The first OS error among ``chain`` in words ("connection reset by peer"), if any."""
    for cause in chain:
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror[0].lower() + cause.strerror[1:]
    return None


def connection_broke(exc: BaseException) -> bool:
    """Whether a failed stream open shows that the connection under it broke.

    The swarm lists a connection until its reader notices the end; a write (the new stream's
    SYN) can find out first: ``Failed to send SYN: … Broken pipe``.
    """
    broken = (
        ConnectionClosedError,
        RawConnError,
        MuxedConnUnavailable,
        trio.BrokenResourceError,
        ConnectionError,
    )
    return any(isinstance(c, broken) for c in causes(exc))


def stream_ended(exc: BaseException) -> bool:
    """Whether a failed stream open shows the stream ending (closed or reset by the peer).

    py-libp2p's yamux forgets a stream as soon as the peer resets it, so a reset mostly reads as
    an end of stream: the two cannot be told apart.
    """
    ended = (EOFError, IncompleteReadError, StreamReset, MuxedStreamReset)
    return any(isinstance(c, ended) for c in causes(exc))


def negotiation_failure_text(exc: BaseException) -> str:
    """A stream open that broke (not a refusal) as one line, from the cause py-libp2p wraps.

    ``BasicHost.new_stream`` reports every failure as ``failed to open a stream to peer <id>``;
    its cause chain holds the reason.
    """
    chain = causes(exc)
    os_error = _os_error_text(chain)
    if os_error is not None:
        return os_error
    if stream_ended(exc):
        return "the peer closed or reset the stream"
    texts = [first_line(c) for c in chain if str(c).strip()]
    return texts[-1] if texts else first_line(exc)
