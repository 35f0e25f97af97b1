"""Diagnostics: ping and traceroute to a peer over libp2p.

Each request keeps its own numbers (no state shared between clients); an RTT measured here is
also kept as the connection's latest, which paths show.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import trio
from libp2p.host.ping import ID as LIBP2P_PING_ID
from libp2p.peer.id import ID

from app.core.errors import PeerUnreachableError, PeerupError
from app.core.status import PathType, PingResult, TracerouteHop, TracerouteResult
from app.engine.dialer import Dialer, Target
from app.engine.paths import PathTracker
from app.engine.peerbook import PeerBook
from app.engine.ping import PING_TIMEOUT, ping_once, ping_protocols
from app.engine.settings import SettingsStore
from app.engine.splice import first_line

__all__ = ["Diagnostics"]


class Diagnostics:
    """Ping and traceroute.

    Args:
        settings: For the ping protocol.
        peers: Hop names.
        dialer: Opens the ping streams.
        paths: The path of each peer, and where RTTs are kept.
    """

    def __init__(
        self, settings: SettingsStore, peers: PeerBook, dialer: Dialer, paths: PathTracker
    ) -> None:
        self._settings = settings
        self._peers = peers
        self._dialer = dialer
        self._paths = paths

    async def ping(self, peer: str, *, count: int, interval: float) -> AsyncIterator[PingResult]:
        """Ping a peer with the line protocol, ``count`` times, ``interval`` seconds apart."""
        target = self._dialer.resolve_target(peer)
        pid = target.peer_id.to_base58()
        for seq in range(1, count + 1):
            if seq > 1:
                await trio.sleep(interval)
            rtt, error, code = await self._measure(
                target, *ping_protocols(self._settings.config.ping_protocol)
            )
            path = self._paths.path_of(pid) if rtt is not None else None
            yield PingResult(
                seq=seq, peer_id=pid, rtt_ms=rtt, path=path, error=error, error_code=code
            )

    async def traceroute(self, peer: str) -> TracerouteResult:
        """The path to a peer hop by hop: the relay (if relayed) and the peer, each with an RTT."""
        target = self._dialer.resolve_target(peer)
        await self._dialer.ensure_connected(target)
        pid = target.peer_id.to_base58()
        path = next((p for p in self._paths.paths() if p.peer_id == pid), None)
        if path is None:
            raise PeerUnreachableError(f"connection to {peer} closed right after opening")
        hops: list[TracerouteHop] = []
        if path.path_type is PathType.RELAYED:
            # The hop's peer ID has its own column: its address goes without /p2p/<relay>.
            relay_addr, _, relay_text = path.address.split("/p2p-circuit")[0].rpartition("/p2p/")
            relay = Target(ID.from_base58(relay_text), ())
            rtt, error, code = await self._measure(relay, str(LIBP2P_PING_ID))
            hops.append(
                TracerouteHop(
                    hop=1,
                    peer_id=relay_text,
                    # Not the agent version (as the Go peer-up shows): ours reads `peerup/<v>`,
                    # which does not say that this hop is the relay.
                    name=self._peers.name_for(relay_text) or "relay",
                    address=relay_addr,
                    rtt_ms=rtt,
                    error=error,
                    error_code=code,
                )
            )
        rtt, error, code = await self._measure(
            target, *ping_protocols(self._settings.config.ping_protocol)
        )
        hops.append(
            TracerouteHop(
                hop=len(hops) + 1,
                peer_id=pid,
                name=self._peers.name_for(pid),
                address=path.address,
                rtt_ms=rtt,
                error=error,
                error_code=code,
            )
        )
        return TracerouteResult(target=peer, peer_id=pid, path=path.path_type, hops=tuple(hops))

    async def _measure(
        self, target: Target, *protocols: str
    ) -> tuple[float | None, str | None, str | None]:
        """One ping round trip: ``(rtt_ms, None, None)``, or ``(None, error, error code)``."""
        try:
            stream = await self._dialer.open_stream(target, *protocols)
            with trio.fail_after(PING_TIMEOUT):
                rtt = await ping_once(stream)
        except PeerupError as exc:
            return None, str(exc), exc.code
        except trio.TooSlowError:
            return None, "timed out", "ping-timeout"
        except ValueError as exc:  # the peer's answer was not its pong
            return None, str(exc), "remote-protocol-error"
        except Exception as exc:  # a stream broken mid-ping raises libp2p-specific types
            return None, first_line(exc), "connection-broken"
        self._paths.record_rtt(stream, rtt)
        return rtt, None, None
