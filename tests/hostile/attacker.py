"""Mallory: a raw py-libp2p host (Noise, yamux, no peer-up engine) that attacks a real node.

She dials like any libp2p peer (optionally from a chosen source address, or through a relay
circuit), opens the invite protocol as often as she likes and runs the joiner's side of the
handshake with passwords of her choosing; what she learns from each reply is what a real
attacker learns. Each helper is bounded in time.
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import multiaddr
import trio
from libp2p.custom_types import TProtocol
from libp2p.peer.id import ID

from app.core.errors import PairingError
from app.core.ids.peerid import PeerId
from app.core.pairing.invite import PROTOCOL_ID, FrameBuffer, JoinerHandshake
from app.core.pairing.relaypair import MAX_PAIR_REPLY, PAIR_PROTOCOL, encode_pair_request
from app.engine.splice import read_to_eof
from tests.unit.engine.compat.hosts import noise_host, running

STEP = 15.0


class Guess(enum.Enum):
    """What one handshake told Mallory."""

    REFUSED = "refused"  # no reply: the stream was refused, reset or closed before M2
    WRONG = "wrong"  # M2 came, and its MAC showed her password was wrong (an offline check)
    RIGHT = "right"  # M2 came and its MAC matched: she knows the password (not finished)
    JOINED = "joined"  # she finished all five messages: the inviter accepted her


class Attacker:
    """A running raw host; see the module docstring."""

    def __init__(self, host: Any) -> None:
        self.host = host
        self.peer_id = PeerId.parse(host.get_id().to_base58())

    async def connect(self, peer: str, address: str, *, source: str | None = None) -> None:
        """Dial ``peer`` at ``address`` (from ``source``'s IP when given).

        Raises:
            Exception: whatever py-libp2p raises when the node refuses her.
        """
        network = self.host.get_network()
        peer_id = ID.from_base58(peer)
        network.unblock_peer(peer_id)  # py-libp2p's negative dial cache
        with trio.fail_after(STEP):
            await network.dial_addr(
                multiaddr.Multiaddr(address), peer_id, (source, 0) if source else None
            )

    def connected(self, peer: str) -> bool:
        """Whether she holds a connection to ``peer`` right now."""
        return bool(self.host.get_network().get_connections(ID.from_base58(peer)))

    async def open_stream(self, peer: str, protocol: str) -> Any:
        """A stream for ``protocol`` on her connection to ``peer``."""
        with trio.fail_after(STEP):
            return await self.host.new_stream(ID.from_base58(peer), [TProtocol(protocol)])

    async def guess(
        self,
        peer: str,
        invite_id: bytes,
        password: bytes,
        *,
        answered: list[Guess] | None = None,
        hold: trio.Event | None = None,
    ) -> Guess:
        """One invite handshake with ``password``.

        Args:
            peer: The inviter.
            invite_id: The invite ID she names in M1.
            password: Her guess.
            answered: Where the first answer (refused, wrong, right) is appended at once.
            hold: If given, she keeps the stream open (the attempt in flight on the inviter's
                side) until it is set, then resets a wrong guess or finishes a right one.
        """
        frames = FrameBuffer()
        handshake = JoinerHandshake(
            password=password,
            invite_id=invite_id,
            own=self.peer_id,
            inviter=PeerId.parse(peer),
            name="mallory",
            now=trio.current_time(),
        )
        stream = None
        result = Guess.REFUSED
        try:
            with trio.fail_after(STEP):
                stream = await self.host.new_stream(ID.from_base58(peer), [TProtocol(PROTOCOL_ID)])
                await stream.write(handshake.start())
                m2 = await _read_frame(stream, frames)
            try:
                m3 = handshake.receive(m2, trio.current_time())
                result = Guess.RIGHT
            except PairingError:
                result = Guess.WRONG
        except Exception:  # refused, reset, closed or timed out before M2
            result = Guess.REFUSED
        if answered is not None:
            answered.append(result)
        try:
            if hold is not None and stream is not None:
                with trio.move_on_after(2 * STEP):
                    await hold.wait()
            if result is not Guess.RIGHT or stream is None:
                return result
            with trio.fail_after(STEP):
                await stream.write(m3)
                m4 = await _read_frame(stream, frames)
                await stream.write(handshake.receive(m4, trio.current_time()))
                await trio.sleep(0.2)  # the inviter checks M5, then closes
            return Guess.JOINED
        except Exception:  # the inviter stopped her after M2
            return result
        finally:
            if stream is not None:
                with contextlib.suppress(Exception), trio.move_on_after(2):
                    await stream.reset()

    async def redeem(self, relay: str, token: bytes) -> bytes | None:
        """One relay pairing request with ``token``: the relay's answer (None: no answer)."""
        try:
            with trio.fail_after(STEP):
                stream = await self.host.new_stream(
                    ID.from_base58(relay), [TProtocol(PAIR_PROTOCOL)]
                )
                await stream.write(encode_pair_request(token, "mallory"))
                await stream.close_write()
                answer = await read_to_eof(stream, MAX_PAIR_REPLY)
        except Exception:  # refused, reset or timed out
            return None
        return answer or None


async def _read_frame(stream: Any, frames: FrameBuffer) -> bytes:
    while True:
        data = await stream.read(4098)
        if not data:
            raise EOFError("the stream closed")
        bodies = frames.feed(bytes(data))
        if bodies:
            return bodies[0]


@asynccontextmanager
async def open_attacker() -> AsyncIterator[Attacker]:
    """Mallory's host, running on loopback for the block."""
    host = noise_host()
    async with running(host):
        yield Attacker(host)
