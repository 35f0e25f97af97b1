"""Item 1 of issue 15, for relay pairing: parallel wrong tokens burn a group at the third.

Mallory saw one code of a group (so she knows its 4-byte group prefix) and sends 200 requests
with wrong tokens at once, from three identities. The relay checks a token and counts a failure
in one step, and runs at most 2 streams of a stranger at once: the group is burned at exactly 3
failures, its right codes are refused afterwards, and the relay still serves its members and
opens new groups.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import trio

from app.core.codes.paircode import parse_pairing_code
from app.core.config import load_config
from app.core.errors import PairingError
from app.core.pairing.relaypair import MAX_FAILED_ATTEMPTS
from app.engine.node import open_node
from tests.helpers.nodes import free_port, make_node_dir
from tests.hostile.attacker import open_attacker

pytestmark = [pytest.mark.trio, pytest.mark.hostile]

PARALLEL = 200


async def test_200_parallel_wrong_tokens_burn_the_group_at_three(tmp_path: Path) -> None:
    relay_dir = make_node_dir(
        tmp_path,
        "relay",
        extra="relay_service: {enabled: true}\n",
        hole_punching=False,
        listen=f"/ip4/127.0.0.1/tcp/{free_port()}",
    )
    first_member = make_node_dir(tmp_path, "first", hole_punching=False)
    late = make_node_dir(tmp_path, "late", hole_punching=False)
    newcomer = make_node_dir(tmp_path, "newcomer", hole_punching=False)
    async with (
        open_node(load_config(relay_dir.config_path), relay_dir.identity) as relay,
        open_node(load_config(first_member.config_path), first_member.identity) as fnode,
        open_node(load_config(late.config_path), late.identity) as lnode,
        open_node(load_config(newcomer.config_path), newcomer.identity) as nnode,
        open_attacker() as m1,
        open_attacker() as m2,
        open_attacker() as m3,
    ):
        pairing = relay.pairing
        assert pairing is not None
        assert fnode.pairing is not None
        group = pairing.create_group(count=3, ttl=600, namespace=None)
        with trio.fail_after(30):
            await fnode.pairing.join(group.codes[0], "first")
        prefix = parse_pairing_code(group.codes[1]).token[:4]
        address = relay.status().listen_addresses[0]
        mallories = [m1, m2, m3]
        for mallory in mallories:
            await mallory.connect(relay_dir.peer_id, address, source="127.0.0.2")
        answers: list[bytes | None] = []

        async def one(i: int) -> None:
            mallory = mallories[i % len(mallories)]
            answers.append(await mallory.redeem(relay_dir.peer_id, prefix + os.urandom(12)))

        with trio.fail_after(60):
            async with trio.open_nursery() as nursery:
                for i in range(PARALLEL):
                    nursery.start_soon(one, i)
        (listed,) = [g for g in pairing.groups() if g.id == group.group_id]
        assert listed.failed_attempts == MAX_FAILED_ATTEMPTS
        assert listed.state == "burned"
        assert not any(relay.peerbook.is_authorized(str(m.peer_id)) for m in mallories)
        # The group's right codes are dead now; nothing was written for the late joiner.
        assert lnode.pairing is not None
        with pytest.raises(PairingError), trio.fail_after(30):
            await lnode.pairing.join(group.codes[2], "late")
        assert not relay.peerbook.is_authorized(late.peer_id)
        # The relay still serves its member, and a new group works.
        with trio.fail_after(20):
            pings = [r async for r in fnode.ping(relay_dir.peer_id, count=1, interval=0)]
        assert pings[0].rtt_ms is not None
        fresh = pairing.create_group(count=1, ttl=600, namespace=None)
        assert nnode.pairing is not None
        with trio.fail_after(30):
            await nnode.pairing.join(fresh.codes[0], "newcomer")
        assert relay.peerbook.is_authorized(newcomer.peer_id)
