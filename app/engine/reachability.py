"""Reachability probing: interfaces, STUN from one UDP socket, and re-probes on network change.

The grading itself is pure (:mod:`app.core.reach.reachability`); this module gathers the evidence:

* :func:`discover_interfaces` lists the addresses of interfaces that are up (psutil, which
  works the same on Linux, macOS and Windows);
* :func:`probe_stun` asks every STUN server for our mapped address from ONE UDP socket, so that
  the answers can be compared (endpoint-independent vs address-dependent mapping);
* :class:`ReachabilityMonitor` probes at start, again whenever the set of interface addresses
  changes (Linux: rtnetlink events, debounced; elsewhere: polling), and on demand, and reports
  each new :class:`~app.core.status.Reachability` through a callback.
"""

from __future__ import annotations

import dataclasses
import errno
import ipaddress
import logging
import secrets
import socket
import sys
import time
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Literal

import psutil
import trio

from app.core.errors import StunError
from app.core.ids.netaddr import format_host_port
from app.core.reach import stun
from app.core.reach.interfaces import InterfaceAddress, InterfaceSummary
from app.core.reach.reachability import (
    NatMapping,
    ProbeError,
    StunProbe,
    StunResult,
    assess,
    parse_stun_server,
)
from app.core.reach.upstream import Hop
from app.core.status import Reachability
from app.engine.hops import probe_hops

if TYPE_CHECKING:
    # trio-typing's stubs (a py-libp2p dependency) shadow trio's own types: see daemon/server.py.
    from trio_typing import TaskStatus

__all__ = [
    "ReachabilityMonitor",
    "discover_interfaces",
    "probe_stun",
]

log = logging.getLogger("peerup.engine.reachability")

# A STUN response is small; anything bigger than a UDP datagram can carry is cut and rejected.
_RECV_SIZE = 65535
# rtnetlink multicast groups (linux/rtnetlink.h): link up/down, IPv4 and IPv6 address changes.
_RTMGRP_LINK = 0x1
_RTMGRP_IPV4_IFADDR = 0x10
_RTMGRP_IPV6_IFADDR = 0x100
# An event storm (a flapping link) must not postpone the re-probe forever.
_MAX_DEBOUNCE = 5.0

REPROBE_INTERVAL = 300.0
"""Seconds after which the monitor probes again with no event: a few small UDP packets per
STUN server, against a grade that would otherwise stay wrong until the next local change."""

WatchMode = Literal["auto", "netlink", "poll", "none"]


def discover_interfaces() -> InterfaceSummary:
    """List the IPv4 and IPv6 addresses of every network interface that is up.

    Returns:
        The addresses, sorted; loopback ones flagged.
    """
    stats = psutil.net_if_stats()
    found: list[InterfaceAddress] = []
    for name, addrs in psutil.net_if_addrs().items():
        info = stats.get(name)
        if info is None or not info.isup:
            continue
        # ``flags`` exists since psutil 5.9.3; the address check covers older versions.
        loopback_if = "loopback" in getattr(info, "flags", "").split(",")
        for addr in addrs:
            if addr.family not in (socket.AF_INET, socket.AF_INET6):
                continue
            ip = addr.address.split("%", 1)[0]
            try:
                parsed = ipaddress.ip_address(ip)
            except ValueError:
                continue
            found.append(
                InterfaceAddress(
                    name, str(parsed), loopback_if or parsed.is_loopback, _prefix_len(addr.netmask)
                )
            )
    return InterfaceSummary.of(found)


def _prefix_len(netmask: str | None) -> int | None:
    """``255.255.255.0`` → 24, ``ffff:ffff:ffff:ffff::`` → 64; None when absent or odd."""
    if not netmask:
        return None
    try:
        mask = ipaddress.ip_address(netmask)
    except ValueError:
        return None
    bits = int(mask)
    width = mask.max_prefixlen
    length = bits.bit_count()
    contiguous = bits == ((1 << width) - 1) ^ ((1 << (width - length)) - 1)
    return length if contiguous else None


@dataclass(eq=False)
class _Transaction:
    """One server's request in flight."""

    server: str
    host: str
    port: int
    transaction_id: bytes
    address: tuple[str, int] | None = None
    mapped: tuple[str, int] | None = None
    error: ProbeError | None = None
    detail: str = ""
    rtt_ms: float | None = None
    sent_at: float = 0.0
    done: trio.Event = field(default_factory=trio.Event)

    def probe(self) -> StunProbe:
        return StunProbe(
            server=self.server,
            mapped=self.mapped,
            error=None if self.mapped is not None else (self.error or ProbeError.TIMEOUT),
            server_address=self.address,
            rtt_ms=self.rtt_ms,
            detail=self.detail,
        )


async def _resolve(host: str, port: int, limit: float) -> tuple[str, int]:
    # One socket means one address family: IPv4, where NAT lives. An IPv6-only server name
    # fails resolution here instead of silently probing a different network path.
    with trio.fail_after(limit):
        infos = await trio.socket.getaddrinfo(
            host, port, family=socket.AF_INET, type=socket.SOCK_DGRAM
        )
    for info in infos:
        sockaddr = info[4]
        return str(sockaddr[0]), int(sockaddr[1])
    raise OSError(f"no IPv4 address for {host}")


async def _transact(
    sock: trio.socket.SocketType, tx: _Transaction, *, rto: float, retries: int
) -> None:
    try:
        tx.address = await _resolve(tx.host, tx.port, rto)
    except (OSError, trio.TooSlowError) as exc:
        tx.error = ProbeError.RESOLVE_FAILED
        tx.detail = str(exc) or "DNS lookup timed out"
        return
    request = stun.encode_binding_request(tx.transaction_id)
    for _attempt in range(retries + 1):
        try:
            tx.sent_at = trio.current_time()
            await sock.sendto(request, tx.address)
        except OSError as exc:
            tx.error = ProbeError.SEND_FAILED
            tx.detail = exc.strerror or str(exc)
            return
        with trio.move_on_after(rto):
            await tx.done.wait()
            return
    tx.error = ProbeError.TIMEOUT
    tx.detail = f"no answer to {retries + 1} requests"


async def _receive(
    sock: trio.socket.SocketType, pending: dict[bytes, _Transaction], counters: dict[str, int]
) -> None:
    while True:
        try:
            data, source = await sock.recvfrom(_RECV_SIZE)
        except (ConnectionRefusedError, ConnectionResetError):
            # ICMP port unreachable surfaces here on some systems; the retransmit timer copes.
            continue
        tx: _Transaction | None = None
        try:
            tx = pending.get(stun.decode_message(data).transaction_id)
            if tx is None or tx.done.is_set() or tuple(source[:2]) != tx.address:
                raise StunError("unexpected", "not an answer to a request in flight")
            tx.mapped = stun.parse_binding_response(data, tx.transaction_id)
        except StunError as exc:
            if exc.reason != "error-response" or tx is None:
                # Garbage, stray or spoofed: drop it and keep waiting for the real answer.
                counters["ignored"] += 1
                continue
            tx.error = ProbeError.ERROR_RESPONSE
            tx.detail = exc.message
        tx.rtt_ms = (trio.current_time() - tx.sent_at) * 1000.0
        tx.done.set()


async def probe_stun(
    servers: Sequence[tuple[str, int]],
    *,
    # A retransmission timer, not a deadline for the call (ASYNC109's concern): a caller that
    # wants one wraps the call in trio.fail_after.
    timeout: float = 3.0,  # noqa: ASYNC109
    retries: int = 2,
    local_ips: Collection[str] | None = None,
    bind_host: str = "0.0.0.0",
) -> StunResult:
    """Ask every STUN server for our mapped address, all from one UDP socket.

    Each server gets its own random transaction ID; a request unanswered for ``timeout``
    seconds is sent again, at most ``retries`` times. Answers that are not valid responses to a
    request in flight, from the address it was sent to, are ignored. So the whole probe takes at
    most ``timeout`` (DNS) + ``(retries + 1) * timeout`` seconds.

    Args:
        servers: ``(host, port)`` pairs; names are resolved to IPv4 through trio.
        timeout: Seconds to wait for each answer (and for each DNS lookup).
        retries: Retransmissions per server after the first request.
        local_ips: Our interface addresses, to recognise "no NAT"; default: discovered now.
        bind_host: Local address for the socket.

    Returns:
        Every probe and the classification; with no servers, no probe and mapping UNKNOWN.
    """
    if local_ips is None:
        local_ips = discover_interfaces().ips
    retries = max(0, retries)
    counters = {"ignored": 0}
    with trio.socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        await sock.bind((bind_host, 0))
        local_port = int(sock.getsockname()[1])
        transactions = [
            _Transaction(format_host_port(host, port), host, port, secrets.token_bytes(12))
            for host, port in servers
        ]
        pending = {tx.transaction_id: tx for tx in transactions}
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_receive, sock, pending, counters)
            async with trio.open_nursery() as senders:
                for tx in transactions:
                    senders.start_soon(partial(_transact, sock, tx, rto=timeout, retries=retries))
            nursery.cancel_scope.cancel()
    if counters["ignored"]:
        log.debug("STUN probe ignored %d stray datagrams", counters["ignored"])
    probes = [tx.probe() for tx in transactions]
    return StunResult.from_probes(local_port, probes, local_ips=local_ips)


def _open_netlink() -> trio.socket.SocketType:
    """A socket that receives rtnetlink link and address events (Linux only)."""
    raw = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    try:
        raw.bind((0, _RTMGRP_LINK | _RTMGRP_IPV4_IFADDR | _RTMGRP_IPV6_IFADDR))
    except OSError:
        raw.close()
        raise
    return trio.socket.from_stdlib_socket(raw)


def _without_time(value: Reachability) -> Reachability:
    return dataclasses.replace(value, probed_at=0.0)


class ReachabilityMonitor:
    """Keeps the reachability grade current.

    It probes when :meth:`run` starts, whenever the set of interface addresses changes, when
    :meth:`probe_now` is called, and at the latest every ``reprobe_interval`` seconds: a change
    beyond this machine (the router's public address, a carrier-grade NAT put in front of it,
    UDP blocked upstream) raises no local event, and only asking the STUN servers again shows it.
    Every few seconds it also re-grades the latest evidence, since relay reservations and
    dial-back confirmations change without any network event.
    Each changed :class:`~app.core.status.Reachability` (ignoring ``probed_at``) goes to
    ``on_change``.

    Args:
        stun_servers: ``"host:port"`` strings; none by default (tests have no internet), in
            which case the NAT mapping is unknown and the grade says so.
        has_relay_reservation: True while we hold a relay reservation.
        confirmed_public: True once a dial-back from outside reached us.
        port_mapping: True while a UPnP port mapping for our listen port exists.
        relays_configured: True while at least one relay is configured.
        lan_peers: True while an authorized peer is connected directly over a private network.
        tcp_listeners: ``(bind address, port)`` of our TCP listeners (for our LAN addresses).
        on_change: Called (synchronously, so it must not block) with each new value.
        on_network_change: Awaited with the new interface addresses when they changed, before
            the probe (connections from an address that is gone can be closed at once).
        discover: Interface discovery (tests substitute a fixed summary).
        clock: Wall clock for ``probed_at``.
        stun_timeout: Per-request STUN timeout, seconds.
        stun_retries: STUN retransmissions per server.
        watch: ``"netlink"``, ``"poll"``, ``"none"`` or ``"auto"`` (netlink on Linux, else poll);
            netlink falls back to polling if the socket cannot be opened.
        poll_interval: Seconds between interface checks when polling.
        debounce: Quiet time after a netlink event before acting on it, seconds.
        regrade_interval: Seconds between re-grades of the latest evidence.
        reprobe_interval: Longest time between two probes, seconds.

    Raises:
        InvalidAddressError: A STUN server is not ``host[:port]``.
    """

    def __init__(
        self,
        *,
        has_relay_reservation: Callable[[], bool],
        confirmed_public: Callable[[], bool],
        port_mapping: Callable[[], bool] = lambda: False,
        relays_configured: Callable[[], bool] = lambda: True,
        lan_peers: Callable[[], bool] = lambda: False,
        tcp_listeners: Callable[[], Sequence[tuple[str, int]]] = lambda: (),
        gateway_external: Callable[[], str | None] = lambda: None,
        stun_servers: Sequence[str] = (),
        on_change: Callable[[Reachability], None] | None = None,
        on_network_change: Callable[[InterfaceSummary], Awaitable[None]] | None = None,
        discover: Callable[[], InterfaceSummary] = discover_interfaces,
        clock: Callable[[], float] = time.time,
        stun_timeout: float = 3.0,
        stun_retries: int = 2,
        watch: WatchMode = "auto",
        poll_interval: float = 30.0,
        debounce: float = 0.5,
        regrade_interval: float = 5.0,
        reprobe_interval: float = REPROBE_INTERVAL,
    ) -> None:
        self._servers = [parse_stun_server(s) for s in stun_servers]
        self._has_relay_reservation = has_relay_reservation
        self._confirmed_public = confirmed_public
        self._port_mapping = port_mapping
        self._relays_configured = relays_configured
        self._lan_peers = lan_peers
        self._tcp_listeners = tcp_listeners
        self._gateway_external = gateway_external
        self._on_change = on_change
        self._on_network_change = on_network_change
        self._discover = discover
        self._clock = clock
        self._stun_timeout = stun_timeout
        self._stun_retries = stun_retries
        self._watch: WatchMode = watch
        self._poll_interval = poll_interval
        self._debounce = debounce
        self._regrade_interval = regrade_interval
        self._reprobe_interval = reprobe_interval
        self._last_probe = float("-inf")  # trio time of the latest probe's end
        self._lock = trio.Lock()
        self._interfaces: InterfaceSummary | None = None
        self._stun: StunResult | None = None
        self._hops: tuple[Hop, ...] = ()
        self._probed_at = 0.0
        self._current: Reachability | None = None
        self._stats = {"probes": 0, "network_changes": 0, "published": 0}
        self._watching = "none"

    def current(self) -> Reachability | None:
        """The latest grade; None until the first probe has finished."""
        return self._current

    def interfaces(self) -> InterfaceSummary:
        """Our interface addresses as of the latest probe (discovered now before the first)."""
        return self._interfaces if self._interfaces is not None else self._discover()

    def last_stun_result(self) -> StunResult | None:
        """The latest STUN round (None before it, or with no STUN servers configured)."""
        return self._stun

    def statistics(self) -> dict[str, int | str]:
        """Counters for debugging: probes run, network changes seen, values published."""
        return {**self._stats, "watching": self._watching}

    async def run(self, *, task_status: TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Probe now, then keep the grade current until cancelled.

        ``task_status.started()`` comes once the network watcher is listening, before the first
        probe finishes (a probe can take seconds): :meth:`current` is None until it does.
        """
        netlink = self._open_watcher()
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(self.probe_now)
                if netlink is not None:
                    nursery.start_soon(self._netlink_loop, netlink)
                elif self._watching == "poll":
                    nursery.start_soon(self._poll_loop)
                nursery.start_soon(self._regrade_loop)
                nursery.start_soon(self._reprobe_loop)
                task_status.started()
        finally:
            if netlink is not None:
                netlink.close()

    async def probe_now(self) -> Reachability:
        """Probe interfaces and STUN servers now and re-grade; concurrent calls queue up.

        Returns:
            The new value (also published through ``on_change`` if it changed).
        """
        async with self._lock:
            interfaces = self._discover()
            result: StunResult | None = None
            if self._servers:
                result = await probe_stun(
                    self._servers,
                    timeout=self._stun_timeout,
                    retries=self._stun_retries,
                    local_ips=interfaces.ips,
                )
            self._hops = await _probe_hops_behind_nat(result)
            self._interfaces, self._stun, self._probed_at = interfaces, result, self._clock()
            self._last_probe = trio.current_time()
            self._stats["probes"] += 1
            return self.refresh()

    def refresh(self) -> Reachability:
        """Re-grade the latest evidence (e.g. after a relay reservation was made).

        Returns:
            The current value; before the first probe, one based on interfaces alone.
        """
        interfaces = self.interfaces()
        value = assess(
            interfaces,
            self._stun,
            confirmed_public=self._confirmed_public(),
            has_relay_reservation=self._has_relay_reservation(),
            probed_at=self._probed_at,
            port_mapping=self._port_mapping(),
            tcp_listeners=self._tcp_listeners(),
            relays_configured=self._relays_configured(),
            lan_peers=self._lan_peers(),
            hops=self._hops,
            gateway_external=self._gateway_external(),
        )
        previous = self._current
        self._current = value
        if previous is None or _without_time(previous) != _without_time(value):
            self._stats["published"] += 1
            log.info("reachability %s (%s)", value.grade, value.reason_code)
            if self._on_change is not None:
                self._on_change(value)
        return value

    def last_hops(self) -> tuple[Hop, ...]:
        """The routers the latest hop probe found (see :mod:`app.engine.hops`)."""
        return self._hops

    def _open_watcher(self) -> trio.socket.SocketType | None:
        mode = self._watch
        if mode == "auto":
            mode = "netlink" if sys.platform.startswith("linux") else "poll"
        if mode == "netlink":
            try:
                sock = _open_netlink()
            except (OSError, AttributeError) as exc:
                log.warning("cannot watch network changes via netlink (%s); polling instead", exc)
                mode = "poll"
            else:
                self._watching = "netlink"
                return sock
        self._watching = mode
        return None

    async def _network_maybe_changed(self) -> None:
        now = self._discover()
        if self._interfaces is not None and now.ips == self._interfaces.ips:
            return
        self._stats["network_changes"] += 1
        log.info("network changed; probing reachability again")
        if self._on_network_change is not None:
            await self._on_network_change(now)
        await self.probe_now()

    async def _netlink_loop(self, sock: trio.socket.SocketType) -> None:
        while True:
            await self._netlink_event(sock)
            # Debounce: an address change comes as a burst of messages (link, address, route);
            # act once the burst has been quiet for ``debounce`` seconds.
            give_up_at = trio.current_time() + _MAX_DEBOUNCE
            while True:
                quiet_until = min(trio.current_time() + self._debounce, give_up_at)
                with trio.move_on_at(quiet_until) as scope:
                    await self._netlink_event(sock)
                if scope.cancelled_caught:
                    break
            await self._network_maybe_changed()

    @staticmethod
    async def _netlink_event(sock: trio.socket.SocketType) -> None:
        # The content does not matter: any link or address message means "look again".
        try:
            await sock.recv(_RECV_SIZE)
        except OSError as exc:
            # ENOBUFS: the kernel dropped events because we were slow; something changed.
            if exc.errno != errno.ENOBUFS:
                raise

    async def _poll_loop(self) -> None:
        while True:
            await trio.sleep(self._poll_interval)
            await self._network_maybe_changed()

    async def _reprobe_loop(self) -> None:
        due = trio.current_time() + self._reprobe_interval
        while True:
            await trio.sleep_until(due)
            # A probe run for another reason (the start, a network change, the user) restarts
            # the wait.
            if trio.current_time() >= self._last_probe + self._reprobe_interval:
                await self.probe_now()
            due = self._last_probe + self._reprobe_interval

    async def _regrade_loop(self) -> None:
        while True:
            await trio.sleep(self._regrade_interval)
            if self._current is not None and not self._lock.locked():
                self.refresh()


async def _probe_hops_behind_nat(stun_result: StunResult | None) -> tuple[Hop, ...]:
    """The hop probe towards the first STUN server that answered, when a NAT is in the way.

    Without a NAT (or with no answer) there is nothing beyond a router to find: no probe.
    """
    if stun_result is None or stun_result.mapping is NatMapping.NO_NAT:
        return ()
    for probe in stun_result.probes:
        if probe.mapped is not None and probe.server_address is not None:
            return await probe_hops(probe.server_address)
    return ()
