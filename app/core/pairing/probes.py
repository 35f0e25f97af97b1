"""What strangers on probation may cost us: refused lookups, per peer and per source address.

A stranger admitted on probation may name an invite ID (or a relay pairing group) that we do not
have, or that it may not use from where it comes (a short LAN code from off the LAN). Such a
refusal costs no invite an attempt, and tells the stranger only that the ID is not usable here;
but without a bound a stranger could try all 999 short-code numbers in seconds, or keep trying
from fresh peer IDs. :class:`ProbeBudget` bounds that: each peer may be refused
:data:`PROBES_PER_PEER` times and each source address :data:`PROBES_PER_ADDRESS` times within
:data:`PROBE_WINDOW` seconds. The refusal that uses up a budget drops the peer; an address that
used up its budget gets no probation slot until its oldest refusal leaves the window.

Pure: the caller passes the time (any monotonic clock) and acts on the answers.
"""

from __future__ import annotations

from collections import OrderedDict, deque

__all__ = [
    "MAX_TRACKED",
    "PROBES_PER_ADDRESS",
    "PROBES_PER_PEER",
    "PROBE_WINDOW",
    "ProbeBudget",
]

PROBES_PER_PEER = 3
PROBES_PER_ADDRESS = 10
PROBE_WINDOW = 600.0
MAX_TRACKED = 4096  # peers and addresses remembered at most (the oldest are forgotten)


class ProbeBudget:
    """Refused lookups by strangers within a sliding window (see the module docstring).

    Args:
        per_peer: Refusals one peer ID may collect in the window before it is dropped.
        per_address: Refusals one source address may collect in the window; then its strangers
            get no probation slot.
        window: The window, in seconds.

    Attributes:
        charged: Refusals counted since it was made.
    """

    def __init__(
        self,
        *,
        per_peer: int = PROBES_PER_PEER,
        per_address: int = PROBES_PER_ADDRESS,
        window: float = PROBE_WINDOW,
    ) -> None:
        if per_peer < 1 or per_address < 1 or window <= 0:
            raise ValueError("a probe budget allows at least one refusal in a positive window")
        self._per_peer = per_peer
        self._per_address = per_address
        self._window = window
        self._peers: OrderedDict[str, deque[float]] = OrderedDict()
        self._addresses: OrderedDict[str, deque[float]] = OrderedDict()
        self.charged = 0

    def charge(self, peer: str, address: str, now: float) -> bool:
        """Count one refused lookup by ``peer`` from ``address``.

        Args:
            peer: The stranger's peer ID.
            address: Its source address (for a relayed stranger, the relay's), or ``""``
                when unknown: unknown sources share one budget.
            now: The current time.

        Returns:
            True while both budgets have room left; False when this refusal used one up (or it
            was used up already): drop the peer.
        """
        self.charged += 1
        within_peer = self._add(self._peers, peer, now, self._per_peer)
        within_address = self._add(self._addresses, address, now, self._per_address)
        return within_peer and within_address

    def barred(self, address: str, now: float) -> bool:
        """Whether ``address`` used up its budget (its strangers get no probation slot)."""
        times = self._addresses.get(address)
        if times is None:
            return False
        self._expire(times, now)
        return len(times) >= self._per_address

    def _add(self, table: OrderedDict[str, deque[float]], key: str, now: float, limit: int) -> bool:
        times = table.pop(key, None)
        if times is None:
            times = deque(maxlen=limit)
        self._expire(times, now)
        times.append(now)
        table[key] = times  # most recent last: the oldest are forgotten first
        while len(table) > MAX_TRACKED:
            table.popitem(last=False)
        return len(times) < limit

    def _expire(self, times: deque[float], now: float) -> None:
        while times and times[0] <= now - self._window:
            times.popleft()
