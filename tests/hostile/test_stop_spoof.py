"""A relay that lies about who opens a circuit: the node believes Noise, not the STOP message.

The relay's STOP message names the circuit's source. Only the relay says so: the peer inside the
circuit is the one its Noise handshake authenticates. A relay that names another peer (here an
authorized one) must not get the connection labelled, shown or hole-punched as that peer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import trio
from libp2p.peer.id import ID
from libp2p.relay.circuit_v2.pb.circuit_pb2 import StopMessage

from app.core.config import load_config
from app.core.ids.peerid import PeerId
from app.core.peers.authkeys import AuthorizedKeysFile
from app.core.status import PathType, PeerConnected
from app.engine.bus import Numbered
from app.engine.node import open_node
from app.engine.relay import RelayHop, RelayLimits
from tests.helpers.nodes import ELSEWHERE, make_node_dir
from tests.hostile.rawpeers import noise_host, running, serves_a_friend
from tests.unit.engine.compat.hosts import random_peer

pytestmark = pytest.mark.trio


class SpoofingHop(RelayHop):
    """Our hop, but every STOP message claims the circuit comes from ``claimed``."""

    def __init__(self, host: Any, claimed: ID) -> None:
        super().__init__(host, RelayLimits())
        self.claimed = claimed

    def _stop_message(self, source: ID) -> StopMessage:
        return super()._stop_message(self.claimed)


async def test_a_circuit_is_the_peer_noise_authenticates(tmp_path: Path) -> None:
    victim = random_peer()  # an authorized peer the relay pretends opened the circuit
    relay = noise_host()
    SpoofingHop(relay, victim).install()
    async with running(relay):
        relay_addr = f"{relay.get_transport_addrs()[0]}/p2p/{relay.get_id()}"
        extra = f"relay: {{addresses: ['{relay_addr}']}}\n"
        home = make_node_dir(tmp_path, "home", extra=extra, hole_punching=False)
        laptop = make_node_dir(
            tmp_path, "laptop", names={"home": home.peer_id}, extra=extra + ELSEWHERE,
            hole_punching=False,
        )  # fmt: skip
        home.authorize(laptop)
        laptop.authorize(home)
        AuthorizedKeysFile(home.path / "authorized_keys").add(
            PeerId.parse(victim.to_base58()), "victim"
        )
        async with (
            open_node(load_config(home.config_path), home.identity) as hnode,
            hnode.subscribe() as events,
            open_node(load_config(laptop.config_path), laptop.identity) as lnode,
        ):
            with trio.fail_after(20):
                while not hnode.status().circuit_addresses:  # noqa: ASYNC110 - polls the status
                    await trio.sleep(0.1)
            path = await lnode.connect("home")
            assert path.path_type is PathType.RELAYED
            # Front ends heard of the laptop, with its own ID in the path, at once.
            announced = ""
            with trio.fail_after(10):
                async for item in events:
                    event = item.event if isinstance(item, Numbered) else None
                    if isinstance(event, PeerConnected) and event.peer_id == laptop.peer_id:
                        announced = event.path.address
                        break
            assert announced.endswith(f"/p2p-circuit/p2p/{laptop.peer_id}"), announced
            # Home sees the laptop, whatever the relay claimed, and nothing of the victim.
            paths = {p.peer_id: p for p in hnode.paths()}
            assert victim.to_base58() not in paths
            seen = paths[laptop.peer_id]
            assert seen.path_type is PathType.RELAYED
            assert seen.address.endswith(f"/p2p/{relay.get_id()}/p2p-circuit/p2p/{laptop.peer_id}")
            assert victim.to_base58() not in seen.address
            results = [r async for r in lnode.ping("home", count=1, interval=0)]
            assert [r.error for r in results] == [None]
            await serves_a_friend(hnode, home, tmp_path)
