"""Finding an inviter on the local network by the number of its short code (mDNS, zeroconf).

The inviter advertises ``_peerup-invite._tcp.local.`` with TXT ``n`` (the nameplate), ``p`` (its
peer ID) and ``a0``… (its multiaddrs); the joiner browses for a few seconds and takes the entry
with its number. Nothing secret is announced: the words never leave the two devices, and the
PAKE makes a wrong guess cost an attempt. zeroconf runs its own threads, so its blocking calls
run in trio's worker threads; each of them ends on its own within seconds (a browse after
``BROWSE_TIMEOUT``).
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

import trio
from zeroconf import ServiceBrowser, ServiceInfo, ServiceStateChange, Zeroconf

from app.core.ids.netaddr import check_multiaddr_syntax
from app.core.ids.peerid import PeerId

log = logging.getLogger("peerup.engine.lanfind")

SERVICE_TYPE = "_peerup-invite._tcp.local."
BROWSE_TIMEOUT = 6.0
MAX_TXT_ADDRESSES = 4
_INFO_TIMEOUT_MS = 1500


@dataclass(frozen=True, slots=True)
class LanInviter:
    """An inviter found on the LAN."""

    peer_id: PeerId
    addresses: tuple[str, ...]


def _lan_addresses(addresses: Sequence[str]) -> list[str]:
    """TCP/QUIC multiaddrs on private, link-local or loopback IPs (what a LAN peer can dial)."""
    out: list[str] = []
    for address in addresses:
        parts = address.split("/")
        if len(parts) < 5 or parts[1] not in ("ip4", "ip6") or "/p2p-circuit" in address:
            continue
        try:
            ip = ipaddress.ip_address(parts[2])
        except ValueError:
            continue
        if ip.is_private or ip.is_link_local or ip.is_loopback:
            out.append(address)
    return out[:MAX_TXT_ADDRESSES]


@asynccontextmanager
async def open_advertisement(
    nameplate: int, peer_id: str, addresses: Sequence[str]
) -> AsyncIterator[tuple[str, ...]]:
    """Advertise an open short-code invite while the block runs.

    Yields:
        The IP addresses it was announced with (the short code is for their LANs only);
        empty when it could not be announced.
    """
    lan = _lan_addresses(addresses)
    if not lan:
        log.warning("no LAN address to advertise the short code on")
        yield ()
        return
    properties = {"n": str(nameplate), "p": peer_id}
    properties.update({f"a{i}": a for i, a in enumerate(lan)})
    ips = sorted({ipaddress.ip_address(a.split("/")[2]).packed for a in lan})
    port = int(lan[0].split("/")[4]) if lan[0].split("/")[3] in ("tcp", "udp") else 0
    info = ServiceInfo(
        SERVICE_TYPE,
        f"peerup-{nameplate}-{peer_id[-8:]}.{SERVICE_TYPE}",
        addresses=ips,
        port=port,
        properties=properties,
    )
    interfaces = ["127.0.0.1"] if only_loopback(lan) else None
    zc: Zeroconf | None = None
    try:
        zc = await trio.to_thread.run_sync(_open_zeroconf, interfaces)
        # zeroconf bounds the registration itself (three probes, then the announcement).
        await trio.to_thread.run_sync(zc.register_service, info)
    except Exception as exc:  # no multicast on this host, a firewall, …: no short code then
        log.warning("cannot advertise the short code by mDNS: %s", exc)
        if zc is not None:
            await _close(zc, None)
        yield ()
        return
    try:
        yield tuple(str(ipaddress.ip_address(ip)) for ip in ips)
    finally:
        await _close(zc, info)


def _open_zeroconf(interfaces: list[str] | None) -> Zeroconf:
    return Zeroconf(interfaces=interfaces) if interfaces else Zeroconf()


async def _close(zc: Zeroconf, info: ServiceInfo | None) -> None:
    def close() -> None:
        if info is not None:
            with contextlib.suppress(Exception):
                zc.unregister_service(info)
        zc.close()

    with trio.CancelScope(shield=True), trio.move_on_after(5):
        await trio.to_thread.run_sync(close)


async def find_inviter(nameplate: int, *, loopback: bool = False) -> LanInviter | None:
    """Browse the LAN for an inviter with ``nameplate``; None when none answers in time."""
    return await trio.to_thread.run_sync(_browse, nameplate, loopback)


def _browse(nameplate: int, loopback: bool) -> LanInviter | None:
    zc = Zeroconf(interfaces=["127.0.0.1"]) if loopback else Zeroconf()
    found: list[str] = []

    def on_change(
        zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange
    ) -> None:
        if state_change is ServiceStateChange.Added:
            found.append(name)

    browser = ServiceBrowser(zc, SERVICE_TYPE, handlers=[on_change])
    try:
        # A worker thread, outside trio: its clock is the process's (a mock clock cannot move it).
        deadline = time.monotonic() + BROWSE_TIMEOUT
        seen: set[str] = set()
        while time.monotonic() < deadline:
            for name in [n for n in found if n not in seen]:
                seen.add(name)
                info = zc.get_service_info(SERVICE_TYPE, name, timeout=_INFO_TIMEOUT_MS)
                match = _match(info, nameplate)
                if match is not None:
                    return match
            time.sleep(0.05)
        return None
    finally:
        browser.cancel()
        zc.close()


def _match(info: ServiceInfo | None, nameplate: int) -> LanInviter | None:
    if info is None:
        return None
    props = {
        k.decode("utf-8", "replace"): (v or b"").decode("utf-8", "replace")
        for k, v in (info.properties or {}).items()
        if isinstance(k, bytes) and len(k) <= 8
    }
    if props.get("n") != str(nameplate):
        return None
    try:
        peer = PeerId.parse(props.get("p", ""))
    except Exception:  # another program's (or a hostile) entry: ignore it
        return None
    addresses = tuple(
        props[f"a{i}"] for i in range(MAX_TXT_ADDRESSES) if props.get(f"a{i}", "").startswith("/")
    )
    valid = []
    for address in addresses:
        with contextlib.suppress(Exception):
            valid.append(check_multiaddr_syntax(address))
    return LanInviter(peer, tuple(_lan_addresses(valid)))


def only_loopback(addresses: Sequence[str]) -> bool:
    """Whether every address is on loopback (tests, one machine): mDNS then stays on lo."""
    ips = []
    for address in addresses:
        with contextlib.suppress(ValueError, IndexError):
            ips.append(ipaddress.ip_address(address.split("/")[2]))
    return bool(ips) and all(ip.is_loopback for ip in ips)
