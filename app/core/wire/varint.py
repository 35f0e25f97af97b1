"""Unsigned varints as multiformats defines them (multihash headers, multiaddr codes and lengths).

Seven bits a byte, the lowest group first, the high bit set on every byte but the last. The spec
(github.com/multiformats/unsigned-varint) allows at most nine bytes (63 bits) and only the
shortest encoding of a number; the reader enforces both, and a caller may bound the length
tighter. The reader does not word errors itself: each caller says what the number was part of
(a peer ID, an address in a code), so the problem comes back through the caller's ``error``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from app.core.errors import PeerupError

__all__ = ["MAX_UVARINT_BYTES", "UvarintProblem", "encode_uvarint", "read_uvarint"]

MAX_UVARINT_BYTES = 9


class UvarintProblem(enum.Enum):
    """Why :func:`read_uvarint` refused the bytes."""

    TRUNCATED = "truncated"  # the data ends before the number's last byte
    NON_MINIMAL = "non-minimal"  # a last byte of 0: a shorter encoding of the number exists
    OVERLONG = "overlong"  # no last byte within the allowed length


def encode_uvarint(value: int) -> bytes:
    """The shortest encoding of ``value``.

    Raises:
        ValueError: ``value`` is negative or needs more than 63 bits (a bug in the caller).
    """
    if not 0 <= value < 1 << (7 * MAX_UVARINT_BYTES):
        raise ValueError(f"{value} does not fit an unsigned varint")
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def read_uvarint(
    data: bytes,
    pos: int,
    *,
    error: Callable[[UvarintProblem], PeerupError],
    max_bytes: int = MAX_UVARINT_BYTES,
) -> tuple[int, int]:
    """Read the number that starts at ``data[pos]``.

    Args:
        data: The bytes (untrusted).
        pos: Where the number starts.
        error: Builds the caller's error for a problem; it is raised as returned.
        max_bytes: The most bytes the number may take (1 to 9).

    Returns:
        The number and the position just after it.

    Raises:
        PeerupError: ``error``'s result, when the number is cut off, not in its shortest
            encoding, or longer than ``max_bytes``.
    """
    if not 1 <= max_bytes <= MAX_UVARINT_BYTES:
        raise ValueError(f"max_bytes must be 1 to {MAX_UVARINT_BYTES}, not {max_bytes}")
    value = 0
    for index in range(max_bytes):
        if pos >= len(data):
            raise error(UvarintProblem.TRUNCATED)
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << (7 * index)
        if not byte & 0x80:
            if byte == 0 and index:
                raise error(UvarintProblem.NON_MINIMAL)
            return value, pos
    raise error(UvarintProblem.OVERLONG)
