"""What an attacker does in these tests: open protocols, run identify, with py-libp2p directly."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

import trio
from libp2p.custom_types import TProtocol
from libp2p.identity.identify.identify import ID as IDENTIFY
from libp2p.identity.identify.identify import parse_identify_response
from libp2p.network.stream.exceptions import StreamEOF
from libp2p.peer.id import ID

from app.engine import compat
from app.engine.node import Node

OPEN_TIMEOUT = 15.0


def registered_protocols(node: Node) -> list[str]:
    """Every protocol ``node`` answers (its host's protocol table)."""
    host: Any = node._require_host()
    return sorted(str(p) for p in host.get_mux().handlers if p is not None)


async def opens(attacker: Any, target: str, protocol: str) -> bool:
    """Whether ``attacker`` (a py-libp2p host) gets ``protocol`` negotiated on ``target``.

    A refusal ("not supported") is False; any other failure is an error of the test.
    """
    try:
        with trio.fail_after(OPEN_TIMEOUT):
            stream = await attacker.new_stream(ID.from_base58(target), [TProtocol(protocol)])
    except Exception as exc:  # py-libp2p raises several types; only a refusal is expected
        if compat.is_protocol_refusal(exc):
            return False
        raise
    with contextlib.suppress(Exception):  # the handler may have closed or reset it already
        await stream.reset()
    return True


async def opened(attacker: Any, target: str, protocols: Iterable[str]) -> set[str]:
    """The ``protocols`` that ``attacker`` could open on ``target``, one after the other."""
    return {p for p in protocols if await opens(attacker, target, p)}


async def identify(attacker: Any, target: str) -> Any:
    """Run identify on ``target`` as ``attacker``; the decoded message."""
    with trio.fail_after(OPEN_TIMEOUT):
        stream = await attacker.new_stream(ID.from_base58(target), [IDENTIFY])
        data = b""
        with contextlib.suppress(StreamEOF):  # the end of the message
            while chunk := await stream.read(65536):
                data += chunk
    return parse_identify_response(data)
