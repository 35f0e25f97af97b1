"""Item 4 of issue 15: strangers that connect and do nothing cannot hold the probation's slots.

Before: three idle connections took an invite's three slots for its whole life and the real
join failed. Now a stranger is dropped when it makes no protocol step within the probation
timeout (2 s here; 15 s by default), and one source address holds at most 2 of the 3 slots (3 of
a relay pairing's 10).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import trio

from app.core.codes.invitecode import parse_invite_code
from app.core.config import load_config
from app.engine.node import Node, open_node
from tests.helpers.nodes import free_port, make_node_dir
from tests.hostile.attacker import Attacker, open_attacker
from tests.hostile.checks import friend_pings, next_progress, probation_timeout, real_join_works

pytestmark = [pytest.mark.trio, pytest.mark.hostile]

TIMEOUT = 2.0


async def _try_connect(mallory: Attacker, peer: str, address: str, source: str) -> bool:
    try:
        await mallory.connect(peer, address, source=source)
        await trio.sleep(0.1)  # a refused connection is closed right after Noise
    except Exception:  # refused: py-libp2p raises several types
        return False
    return mallory.connected(peer)


async def _wait_dropped(mallories: list[Attacker], peer: str) -> None:
    with trio.fail_after(TIMEOUT + 5):
        while any(m.connected(peer) for m in mallories):  # noqa: ASYNC110 - polls her hosts
            await trio.sleep(0.05)


async def test_idle_strangers_are_dropped_and_the_real_join_works(tmp_path: Path) -> None:
    home = make_node_dir(tmp_path, "home")
    probation_timeout(home, TIMEOUT)
    friend = make_node_dir(tmp_path, "friend")
    home.authorize(friend)
    friend.authorize(home)
    joiner = make_node_dir(tmp_path, "laptop")
    async with (
        open_node(load_config(home.config_path), home.identity) as node,
        open_node(load_config(friend.config_path), friend.identity) as fnode,
        open_node(load_config(joiner.config_path), joiner.identity) as jnode,
        open_attacker() as m1,
        open_attacker() as m2,
        open_attacker() as m3,
        open_attacker() as m4,
        node.open_invite(name="home", ttl=60) as invite,
    ):
        first = await next_progress(invite, {"code"})
        code = parse_invite_code(first.code or "")
        address = code.direct_addresses[0]
        (probation,) = node.gate.probations()
        # Two slots from 127.0.0.2, not a third; the last slot goes to 127.0.0.3.
        assert await _try_connect(m1, home.peer_id, address, "127.0.0.2")
        assert await _try_connect(m2, home.peer_id, address, "127.0.0.2")
        assert not await _try_connect(m3, home.peer_id, address, "127.0.0.2")
        assert await _try_connect(m4, home.peer_id, address, "127.0.0.3")
        assert len(probation.peers) == 3
        # They do nothing: within the timeout they are gone, their slots free.
        await _wait_dropped([m1, m2, m4], home.peer_id)
        assert probation.evicted_total == 3
        assert not probation.peers
        with trio.fail_after(30):
            result = await jnode.join_invite(first.code or "", name="laptop")
        assert (await next_progress(invite, {"joined"})).sas == result.sas
        await friend_pings(fnode, node)


async def test_one_host_reconnecting_all_the_time_leaves_a_slot_for_the_join(
    tmp_path: Path,
) -> None:
    home = make_node_dir(tmp_path, "home")
    probation_timeout(home, TIMEOUT)
    async with (
        open_node(load_config(home.config_path), home.identity) as node,
        node.open_invite(name="home", ttl=60) as invite,
        trio.open_nursery() as nursery,
    ):
        first = await next_progress(invite, {"code"})
        address = parse_invite_code(first.code or "").direct_addresses[0]
        held = []

        async def hold_slots() -> None:  # fresh identities from 127.0.0.2, again and again
            while True:
                async with open_attacker() as mallory:
                    if await _try_connect(mallory, home.peer_id, address, "127.0.0.2"):
                        held.append(mallory.peer_id)
                        await trio.sleep(TIMEOUT * 2)  # dropped meanwhile: take another

        for _ in range(3):
            nursery.start_soon(hold_slots)
        with trio.fail_after(10):
            while len(held) < 2:  # noqa: ASYNC110 - waits for her to hold what she can
                await trio.sleep(0.05)
        (probation,) = node.gate.probations()
        assert sum(s.address == "127.0.0.2" for s in probation.peers.values()) <= 2
        await real_join_works(node, tmp_path)
        nursery.cancel_scope.cancel()


async def test_idle_strangers_cannot_hold_a_relay_pairing_group(tmp_path: Path) -> None:
    relay_dir = make_node_dir(
        tmp_path,
        "relay",
        extra="relay_service: {enabled: true}\n",
        hole_punching=False,
        listen=f"/ip4/127.0.0.1/tcp/{free_port()}",
    )
    probation_timeout(relay_dir, TIMEOUT)
    member = make_node_dir(tmp_path, "member", hole_punching=False)
    async with (
        open_node(load_config(relay_dir.config_path), relay_dir.identity) as relay,
        open_node(load_config(member.config_path), member.identity) as mnode,
        open_attacker() as m1,
        open_attacker() as m2,
        open_attacker() as m3,
        open_attacker() as m4,
    ):
        pairing = relay.pairing
        assert pairing is not None
        group = pairing.create_group(count=2, ttl=600, namespace=None)
        address = relay.status().listen_addresses[0]
        with trio.fail_after(10):
            while not relay.gate.probations():  # noqa: ASYNC110 - the group opens probation
                await trio.sleep(0.05)
        mallories = [m1, m2, m3]
        for mallory in mallories:
            assert await _try_connect(mallory, relay_dir.peer_id, address, "127.0.0.2")
        assert not await _try_connect(m4, relay_dir.peer_id, address, "127.0.0.2")
        await _wait_dropped(mallories, relay_dir.peer_id)
        (probation,) = relay.gate.probations()
        assert probation.evicted_total == 3
        with trio.fail_after(30):
            joined = await mnode.pairing.join(group.codes[0], "member")  # type: ignore[union-attr]
        assert joined.relay == relay_dir.peer_id
        assert relay.peerbook.is_authorized(member.peer_id)
        await _member_pings(mnode, relay)


async def _member_pings(member: Node, relay: Node) -> None:
    with trio.fail_after(20):
        results = [r async for r in member.ping(str(relay.identity.peer_id), count=1, interval=0)]
    assert results[0].rtt_ms is not None
