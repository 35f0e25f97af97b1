"""The limits a circuit relay (v2) grants each relayed connection, and whether a forward fits them.

A relay answers a RESERVE (what circuits to us will get), a CONNECT (our outgoing circuit) and
sends a STOP CONNECT (an incoming circuit) with an optional ``Limit {duration, data}``: the most
seconds a relayed connection may last and the most bytes it may carry in each direction. The spec
says an absent limit, or a 0 in a field, means no limit of that kind.

Stock libp2p relays (go-libp2p, js-libp2p, rust-libp2p) grant 2 min and 128 KiB: enough for the
hole-punch signalling they are meant for, far too little for a forward. A limit is *tight* when
it would cut ordinary forwarded use (an ssh session, a file copy) soon: below
:data:`TIGHT_DATA` or :data:`TIGHT_DURATION`. peer-up's own relay service (1 GiB, 1 h per
circuit by default) is not tight; its automatic relay (128 KiB, 10 min) is.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TIGHT_DATA", "TIGHT_DURATION", "CircuitLimit", "describe_bytes", "describe_seconds"]

TIGHT_DATA = 64 << 20  # bytes per direction
TIGHT_DURATION = 600  # seconds


@dataclass(frozen=True, slots=True)
class CircuitLimit:
    """What a relay grants one relayed connection; None in a field means no limit of that kind.

    Attributes:
        duration: The most seconds the connection may last.
        data: The most bytes it may carry in each direction.
    """

    duration: int | None = None
    data: int | None = None

    @classmethod
    def from_wire(cls, duration: int, data: int) -> CircuitLimit | None:
        """The limit of a ``Limit`` message's fields (0 = none); None when neither is set."""
        limit = cls(duration=duration or None, data=data or None)
        return None if limit.duration is None and limit.data is None else limit

    @property
    def tight(self) -> bool:
        """Whether this limit would cut ordinary forwarded traffic soon (see the module)."""
        return (self.data is not None and self.data < TIGHT_DATA) or (
            self.duration is not None and self.duration < TIGHT_DURATION
        )

    def describe(self) -> str:
        """``128 KiB / 2 min per connection`` (only the kinds that are limited)."""
        parts = []
        if self.data is not None:
            parts.append(describe_bytes(self.data))
        if self.duration is not None:
            parts.append(describe_seconds(self.duration))
        return " / ".join(parts) + " per connection"


def describe_bytes(count: int) -> str:
    """A byte count in the largest binary unit that keeps it whole or near: ``128 KiB``."""
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def describe_seconds(seconds: int) -> str:
    """A duration as a relay states it: ``45 s``, ``2 min``, ``1 h``, ``1 h 30 min``."""
    if seconds < 60 or seconds % 60:
        return f"{seconds} s" if seconds < 120 else f"{seconds / 60:.1f} min"
    minutes = seconds // 60
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h" + (f" {minutes} min" if minutes else "")
