"""The Gate's probation slots, their grace and idle timeout, with real hosts on loopback and
trio's mock clock.

What a peer on probation may open, and the disconnection when the probation ends, are tested
with real nodes in tests/integration/test_probation.py.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import trio
from libp2p.custom_types import TProtocol
from libp2p.peer.id import ID
from libp2p.peer.peerinfo import PeerInfo
from multiaddr import Multiaddr
from trio.testing import MockClock

from app.core.config import load_config
from app.core.ids.names import service_protocol_id
from app.core.peers import admission
from app.core.peers.admission import Role
from app.engine import compat
from app.engine.bus import EventBus
from app.engine.gate import PROBATION_CONNECT_GRACE, PROBATION_IDLE_TIMEOUT, Gate
from app.engine.peerbook import PeerBook
from app.engine.settings import SettingsStore
from tests.helpers.nodes import make_node_dir
from tests.unit.engine.compat.hosts import noise_host, running

pytestmark = pytest.mark.trio

PROBE = TProtocol("/peerup-test/probe/1.0.0")


async def _connects(client, server) -> bool:  # type: ignore[no-untyped-def]
    """Whether ``client`` gets a connection to ``server`` past the gate."""
    client.get_network().unblock_peer(server.get_id())  # py-libp2p's 60 s negative cache
    try:
        with trio.fail_after(10):
            await client.connect(PeerInfo(server.get_id(), server.get_addrs()))
            await trio.sleep(0.1)  # a refused connection is closed right after Noise
    except Exception:  # py-libp2p raises several types for a refused connection
        return False
    return bool(server.get_network().get_connections(client.get_id()))


async def test_a_slot_whose_connection_went_away_is_free_after_the_grace(
    tmp_path: Path, autojump_clock: MockClock
) -> None:
    node = make_node_dir(tmp_path, "node")
    bus = EventBus()
    gate = Gate(
        PeerBook(SettingsStore(load_config(node.config_path)), node.identity.peer_id, bus), bus
    )
    server, first, second = noise_host(), noise_host(), noise_host()
    gate.install(server)
    async with (
        running(server, first, second),
        # No idle timeout here: the grace of a slot whose connection went away is tested alone.
        gate.open_probation(protocols={PROBE}, limit=1, idle_timeout=math.inf) as probation,
    ):
        assert await _connects(first, server)
        admitted = trio.current_time()
        # Its connection goes away without the gate hearing of it (as when it breaks while
        # being set up): its slot stays taken for the grace, then it is free.
        await first.get_network().close_peer(server.get_id())
        with trio.fail_after(5):
            while server.get_network().get_connections(first.get_id()):  # noqa: ASYNC110
                await trio.sleep(0.01)
        assert not await _connects(second, server)
        assert probation.refused_total >= 1  # (py-libp2p tries a few times)
        await trio.sleep(admitted + PROBATION_CONNECT_GRACE - 2 - trio.current_time())
        assert not await _connects(second, server)
        await trio.sleep(admitted + PROBATION_CONNECT_GRACE + 0.5 - trio.current_time())
        assert await _connects(second, server)
        assert probation.peers.keys() == {second.get_id().to_base58()}
        # A slot whose peer is still connected is kept after the grace.
        await trio.sleep(2 * PROBATION_CONNECT_GRACE)
        assert not await _connects(first, server)
        assert probation.peers.keys() == {second.get_id().to_base58()}


def _gate(tmp_path: Path, keys: str = "") -> tuple[Gate, PeerBook]:
    node = make_node_dir(tmp_path, "node")
    (node.path / "authorized_keys").write_text(keys)
    bus = EventBus()
    peers = PeerBook(SettingsStore(load_config(node.config_path)), node.identity.peer_id, bus)
    return Gate(peers, bus), peers


FRIEND = "12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf"
RELAY = "12D3KooWCRscMgHgEo3ojm8ovzheydpvTEqsDtq7Vby38cMHrYjt"
BOOTSTRAP = "12D3KooWHFRXjJvgxcpTkvrRXMXzF9yXtuJq6Jup6TA7G8T6VqRA"
STRANGER = "12D3KooWKnDdG3iXw9eTFijk3EWSunZcFi54Zka4wmtqtt6rPxc8"


async def test_roles_come_from_authorized_keys_the_relays_and_the_dht(tmp_path: Path) -> None:
    gate, peers = _gate(
        tmp_path, f"{FRIEND}  # friend\n{RELAY}  group=0a0b0c0d  role=relay  # relay\n"
    )
    gate.install(noise_host(), dht_peers=lambda: {BOOTSTRAP})
    assert gate.roles(FRIEND) == {Role.ANYONE, Role.AUTHORIZED}
    assert gate.roles(RELAY) == {Role.ANYONE, Role.RELAY}
    assert not peers.is_authorized(RELAY)
    assert gate.roles(BOOTSTRAP) == {Role.ANYONE, Role.DHT}
    assert gate.roles(STRANGER) == {Role.ANYONE}
    assert gate.may_open(FRIEND, service_protocol_id("ssh"))
    assert not gate.may_open(RELAY, service_protocol_id("ssh"))
    assert gate.may_open(RELAY, admission.STOP)
    assert not gate.may_open(STRANGER, admission.PING)
    # identify: a peer is told everything; a relay what it may open, with our addresses; a
    # stranger what it may open, public addresses only, no signed record.
    assert gate._identify_view(ID.from_base58(FRIEND)) is None
    relay_view = gate._identify_view(ID.from_base58(RELAY))
    assert relay_view is not None
    assert relay_view.signed_record
    assert not relay_view.protocol(service_protocol_id("ssh"))
    stranger_view = gate._identify_view(ID.from_base58(STRANGER))
    assert stranger_view is not None
    assert not stranger_view.signed_record
    assert not stranger_view.address(Multiaddr("/ip4/192.168.1.5/tcp/4001"))
    assert stranger_view.address(Multiaddr("/ip4/1.2.3.4/tcp/4001"))
    assert stranger_view.protocol(admission.IDENTIFY)
    assert not stranger_view.protocol(admission.VERIFY)


async def test_a_stranger_on_probation_may_open_its_probations_protocol_only(
    tmp_path: Path,
) -> None:
    gate, _ = _gate(tmp_path)
    gate.install(noise_host())
    async with gate.open_probation(protocols={admission.INVITE}, limit=1):
        assert gate._allows(ID.from_base58(STRANGER), compat.Origin("127.0.0.1", relayed=False))
        assert gate.roles(STRANGER) == {Role.PROBATION}
        assert gate.may_open(STRANGER, admission.INVITE)
        # Not even identify, nor what the table opens to another kind of probation.
        assert not gate.may_open(STRANGER, admission.IDENTIFY)
        assert not gate.may_open(STRANGER, admission.RELAY_PAIR)
    assert gate.roles(STRANGER) == {Role.ANYONE}


async def test_a_stranger_without_a_protocol_step_is_dropped_and_its_slot_freed(
    tmp_path: Path, autojump_clock: MockClock
) -> None:
    gate, _ = _gate(tmp_path)
    server, idle, busy, late = noise_host(), noise_host(), noise_host(), noise_host()
    gate.install(server)
    async with (
        running(server, idle, busy, late),
        gate.open_probation(protocols={PROBE}, limit=2, per_address=2) as probation,
    ):
        assert await _connects(idle, server)
        assert await _connects(busy, server)
        assert not await _connects(late, server)  # both slots taken
        busy_id = busy.get_id().to_base58()
        with gate.protocol_step(busy_id):  # a step in progress: kept however long it lasts
            await trio.sleep(PROBATION_IDLE_TIMEOUT + 1)
            assert not server.get_network().get_connections(idle.get_id())
            assert server.get_network().get_connections(busy.get_id())
            assert probation.peers.keys() == {busy_id}
            assert probation.evicted_total == 1
            # The idle one's slot is free again.
            assert await _connects(late, server)
        # After its step, the bound starts again.
        await trio.sleep(PROBATION_IDLE_TIMEOUT - 1)
        assert server.get_network().get_connections(busy.get_id())
        await trio.sleep(2)
        assert not server.get_network().get_connections(busy.get_id())


async def test_one_address_cannot_take_every_slot(
    tmp_path: Path, autojump_clock: MockClock
) -> None:
    gate, _ = _gate(tmp_path)
    server, first, second, third = noise_host(), noise_host(), noise_host(), noise_host()
    gate.install(server)
    async with (
        running(server, first, second, third),
        gate.open_probation(protocols={PROBE}, limit=3) as probation,
    ):
        assert probation.per_address == 2  # the default: one fewer than the slots
        assert await _connects(first, server)
        assert await _connects(second, server)
        assert not await _connects(third, server)  # all three come from 127.0.0.1
        assert len(probation.peers) == 2
