"""Decoding the small JSON messages of our own protocols (untrusted peer input)."""

from __future__ import annotations

from typing import TypeVar

import msgspec

from app.core.errors import RemoteProtocolError

T = TypeVar("T")


def decode_json_message(data: bytes, kind: type[T], *, limit: int, what: str) -> T:
    """Decode ``data`` into ``kind``, refusing anything over ``limit`` bytes or malformed.

    Raises:
        RemoteProtocolError: naming ``what`` (e.g. "dial-back message") and the problem.
    """
    if len(data) > limit:
        raise RemoteProtocolError(f"{what} too large ({len(data)} bytes)")
    try:
        return msgspec.json.decode(data, type=kind)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise RemoteProtocolError(f"invalid {what}: {exc}") from None
