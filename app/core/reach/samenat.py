"""Peers behind one router on two subnets: when their LAN addresses are worth a dial, and how often.

:func:`app.core.reach.lan.lan_dial_candidates` dials a peer's LAN addresses only on a subnet one
of our interfaces is on. A home router with two LANs (say 192.168.1.0/24 and a routed
10.0.0.0/24 or a second 192.168.x network) routes between them, but two peers on the two sides
share no subnet; hole punching goes through the router's public address, which it does not loop
back, so they stayed relayed. What they do share is that public address: when an IP we see for
ourselves (our grade's STUN-mapped or interface addresses) is one the peer told us for itself in
its own grade, the peer sits behind our NAT, and its other LAN addresses are worth a few dials.

Bounded on purpose (a carrier NAT shares one public address between many homes, whose private
networks look alike): at most :data:`MAX_SAME_NAT_ADDRESSES` addresses, only those the peer told
us itself in its reachability message (authorized peers only; never from third parties), only of
an IP family we have a private address in, and :class:`LanDialPlan` spaces the attempts (a
failed set of addresses is dialled again after 30 s, doubling to 10 minutes, unless something
changed). Each attempt's outcome is kept (:class:`~app.core.status.LanDial`) for the API's path
details. The libp2p handshake authenticates whoever answers, so a look-alike host elsewhere costs
a failed dial, never a wrong peer.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.core.errors import RemoteProtocolError
from app.core.reach.interfaces import InterfaceSummary, is_global
from app.core.reach.lan import MAX_LAN_ADDRESSES, is_lan_ip, lan_dial_candidates, parse_lan_address
from app.core.status import LanDial, LanDialOutcome

__all__ = [
    "LAN_RETRY_FIRST",
    "LAN_RETRY_MAX",
    "MAX_SAME_NAT_ADDRESSES",
    "MIN_GAP",
    "LanCandidates",
    "LanDialPlan",
    "lan_candidates",
    "public_ips",
    "same_nat_candidates",
    "share_public_address",
]

MAX_SAME_NAT_ADDRESSES = 4
# The same addresses of a peer are dialled again after 30 s, then 60, 120 … 600 s while nothing
# changes (a look-alike subnet in another home, 192.168.1.0/24 is in most, costs a failed dial now
# and then, not one per message or tick); after a change (either side's network, the peer's
# grade) at once, but never twice within MIN_GAP seconds.
LAN_RETRY_FIRST = 30.0
LAN_RETRY_MAX = 600.0
MIN_GAP = 5.0


def _host_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP of ``"ip"``, ``"ip:port"`` or ``"[ipv6]:port"``; None for anything else."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def public_ips(addresses: Iterable[str]) -> frozenset[str]:
    """The global IPs among a grade's ``public_addresses`` (``ip``, ``ip:port``, ``[ip6]:port``)."""
    found = set()
    for text in addresses:
        ip = _host_ip(text)
        if ip is not None and is_global(str(ip)):
            found.add(str(ip))
    return frozenset(found)


def share_public_address(ours: Iterable[str], theirs: Iterable[str]) -> bool:
    """Whether two grades' ``public_addresses`` name a common global IP (one NAT, or one host)."""
    return bool(public_ips(ours) & public_ips(theirs))


def same_nat_candidates(
    peer_addresses: Sequence[str],
    ours: InterfaceSummary,
    *,
    limit: int = MAX_SAME_NAT_ADDRESSES,
) -> list[str]:
    """A peer's LAN addresses on none of our subnets, worth a dial when we share its public IP.

    Only addresses of an IP family we have a private address in (our router's LAN leads
    there), none of our own, none on a subnet we are on (:func:`lan_dial_candidates` has those),
    at most ``limit``, in the peer's order.
    """
    families = {
        ipaddress.ip_address(a.ip).version
        for a in ours.usable
        if is_lan_ip(ipaddress.ip_address(a.ip))
    }
    shared = set(lan_dial_candidates(peer_addresses, ours))
    own = ours.ips
    result: list[str] = []
    for text in peer_addresses[:MAX_LAN_ADDRESSES]:
        if len(result) >= limit:
            break
        try:
            ip, _port = parse_lan_address(text)
        except RemoteProtocolError:
            continue
        if ip.version in families and str(ip) not in own and text not in shared | set(result):
            result.append(text)
    return result


@dataclass(frozen=True, slots=True)
class LanCandidates:
    """What to dial of a peer's LAN addresses: those on our subnets, then those across."""

    on_subnet: tuple[str, ...]
    across: tuple[str, ...]  # only when we share the peer's public address

    @property
    def all(self) -> tuple[str, ...]:
        """Every address to dial, the ones on our subnets first."""
        return self.on_subnet + self.across


def lan_candidates(
    peer_addresses: Sequence[str],
    ours: InterfaceSummary,
    *,
    our_public: Iterable[str] = (),
    their_public: Iterable[str] = (),
) -> LanCandidates:
    """The peer's LAN addresses to dial: on a shared subnet, and across subnets behind one NAT.

    Args:
        peer_addresses: The LAN addresses the peer told us (its grade's ``lan_addresses``).
        ours: Our interface addresses.
        our_public: Our grade's ``public_addresses``.
        their_public: The peer's grade's ``public_addresses`` (as it told us).
    """
    on_subnet = tuple(lan_dial_candidates(peer_addresses, ours))
    across: tuple[str, ...] = ()
    if share_public_address(our_public, their_public):
        across = tuple(same_nat_candidates(peer_addresses, ours))
    return LanCandidates(on_subnet, across)


@dataclass(slots=True)
class _Entry:
    candidates: tuple[str, ...]
    started: float  # monotonic
    due: float  # monotonic: the same candidates may be dialled again from then on
    interval: float
    stale: bool  # something changed since: due at once (after MIN_GAP)
    record: LanDial


class LanDialPlan:
    """When to dial a relayed peer's LAN addresses, and how the last dial went (sans-IO).

    Times: ``now`` is a monotonic clock (back-off), ``wall`` unix time (what users see).

    Args:
        first: Back-off after the first dial of a set of addresses, seconds.
        maximum: Longest back-off, seconds.
        min_gap: Shortest time between two dials of the same addresses, whatever changed.
    """

    def __init__(
        self,
        *,
        first: float = LAN_RETRY_FIRST,
        maximum: float = LAN_RETRY_MAX,
        min_gap: float = MIN_GAP,
    ) -> None:
        self._first = first
        self._maximum = maximum
        self._min_gap = min_gap
        self._entries: dict[str, _Entry] = {}

    def begin(
        self, peer_id: str, candidates: LanCandidates, *, now: float, wall: float
    ) -> LanDial | None:
        """The dial to make now (kept as ``trying``), or None: nothing to dial, or not due yet."""
        addresses = candidates.all
        if not addresses:
            return None
        entry = self._entries.get(peer_id)
        interval = self._first
        if entry is not None and entry.candidates == addresses:
            if now < entry.started + self._min_gap or (not entry.stale and now < entry.due):
                return None
            if not entry.stale:
                interval = min(entry.interval * 2, self._maximum)
        record = LanDial(
            addresses=addresses,
            same_nat=bool(candidates.across),
            outcome=LanDialOutcome.TRYING,
            at=wall,
            retry_at=wall + interval,
        )
        self._entries[peer_id] = _Entry(addresses, now, now + interval, interval, False, record)
        return record

    def end(self, peer_id: str, address: str | None, *, wall: float) -> LanDial | None:
        """Keep how the dial :meth:`begin` returned went: ``address`` connected, or None: failed.

        Returns:
            The record, None if there was no dial.
        """
        entry = self._entries.get(peer_id)
        if entry is None:
            return None
        outcome = LanDialOutcome.FAILED if address is None else LanDialOutcome.WORKED
        entry.record = LanDial(
            addresses=entry.record.addresses,
            same_nat=entry.record.same_nat,
            outcome=outcome,
            address=address or "",
            at=wall,
            retry_at=entry.record.retry_at if address is None else None,
        )
        return entry.record

    def changed(self, peer_id: str | None = None) -> None:
        """Our network (``peer_id`` None) or a peer's changed: its LAN deserves a new try soon."""
        for pid, entry in self._entries.items():
            if peer_id is None or pid == peer_id:
                entry.stale = True

    def last(self, peer_id: str) -> LanDial | None:
        """The last dial of ``peer_id``'s LAN addresses and its outcome, None if never."""
        entry = self._entries.get(peer_id)
        return entry.record if entry is not None else None
