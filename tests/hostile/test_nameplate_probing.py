"""Item 2 of issue 15: the short LAN code stays on the LAN, and probing nameplates is bounded.

A short code's invite ID comes from its public number (1-999). Before, an unknown invite ID was
refused at no cost, so all 999 numbers could be probed in seconds from anywhere, relay circuits
included, and the live one then attacked. Now a short code answers only over a direct connection
from the LAN it was announced on (even the right words are refused through a relay, and cost the
invite nothing), and each refused lookup is charged to the stranger: dropped at its third, its
address barred at its tenth (within 10 minutes).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import trio

from app.core.codes.invitecode import parse_invite_code
from app.core.codes.lancode import nameplate_invite_id, parse_lan_code
from app.core.config import load_config
from app.core.pairing.probes import PROBES_PER_ADDRESS
from app.engine.node import open_node
from tests.helpers.nodes import make_node_dir
from tests.hostile.attacker import Attacker, Guess, open_attacker
from tests.hostile.checks import friend_pings, next_progress

pytestmark = [pytest.mark.trio, pytest.mark.hostile]


async def _connects(mallory: Attacker, peer: str, address: str, source: str) -> bool:
    try:
        await mallory.connect(peer, address, source=source)
        await trio.sleep(0.1)  # a refused connection is closed right after Noise
    except Exception:  # refused: py-libp2p raises several types
        return False
    return mallory.connected(peer)


async def test_probing_nameplates_is_charged_and_then_barred(tmp_path: Path) -> None:
    home = make_node_dir(tmp_path, "home")
    friend = make_node_dir(tmp_path, "friend")
    home.authorize(friend)
    friend.authorize(home)
    joiner = make_node_dir(tmp_path, "laptop")
    async with (
        open_node(load_config(home.config_path), home.identity) as node,
        open_node(load_config(friend.config_path), friend.identity) as fnode,
        open_node(load_config(joiner.config_path), joiner.identity) as jnode,
        node.open_invite(name="home", ttl=60, lan=True) as invite,
    ):
        first = await next_progress(invite, {"code"})
        assert first.short_code is not None
        live = parse_lan_code(first.short_code)
        address = parse_invite_code(first.code or "").direct_addresses[0]
        numbers = iter(n for n in range(1, 1000) if n != live.nameplate)
        probes = 0
        barred = False
        with trio.fail_after(60):
            while not barred:
                async with open_attacker() as mallory:  # a fresh identity each time she is dropped
                    if not await _connects(mallory, home.peer_id, address, "127.0.0.2"):
                        barred = True
                    while mallory.connected(home.peer_id):
                        got = await mallory.guess(
                            home.peer_id, nameplate_invite_id(next(numbers)), b"x" * 16
                        )
                        assert got is Guess.REFUSED
                        probes += 1
                        await trio.sleep(0.1)  # (dropped at her third)
        # Ten refusals from her address (3 identities dropped at their third, the fourth at
        # the address's tenth); a try racing a drop is refused before any lookup.
        assert node.gate.probes.charged == PROBES_PER_ADDRESS
        assert probes <= PROBES_PER_ADDRESS + 4
        assert node.gate.probes.barred("127.0.0.2", trio.current_time())
        assert invite.invitation.attempts == 0  # none of it cost the invite anything
        # The LAN join with the short code still works (from 127.0.0.1), and friends are served.
        with trio.fail_after(40):
            result = await jnode.join_invite(first.short_code, name="laptop")
        assert (await next_progress(invite, {"joined"})).sas == result.sas
        await friend_pings(fnode, node)


def _public_relay(tmp_path: Path):  # type: ignore[no-untyped-def]
    relay_dir = make_node_dir(tmp_path, "relay", extra="relay_service: {enabled: true}\n")
    text = relay_dir.config_path.read_text().replace(
        "enable_connection_gating: true", "enable_connection_gating: false"
    )
    relay_dir.config_path.write_text(text)
    return relay_dir


async def test_the_right_short_code_over_a_relay_circuit_is_refused_at_no_cost(
    tmp_path: Path,
) -> None:
    relay_dir = _public_relay(tmp_path)
    async with open_node(load_config(relay_dir.config_path), relay_dir.identity) as relay:
        relay_addr = relay.status().listen_addresses[0]
        home = make_node_dir(
            tmp_path, "home", extra=f"relay: {{addresses: ['{relay_addr}']}}\n", hole_punching=False
        )
        outsider = make_node_dir(tmp_path, "outsider", hole_punching=False)
        joiner = make_node_dir(tmp_path, "laptop", hole_punching=False)
        async with (
            open_node(load_config(home.config_path), home.identity) as node,
            open_node(load_config(outsider.config_path), outsider.identity) as onode,
            open_node(load_config(joiner.config_path), joiner.identity) as jnode,
            node.open_invite(name="home", ttl=60, lan=True) as invite,
        ):
            first = await next_progress(invite, {"code"})
            assert first.short_code is not None
            live = parse_lan_code(first.short_code)
            code = parse_invite_code(first.code or "")
            assert code.relay_addresses
            # Mallory read the whole short code over the user's shoulder, but is not on the LAN:
            # she reaches the inviter through its relay only.
            with trio.fail_after(30):
                path = await onode.connect(home.peer_id, [f"{code.relay_addresses[0]}/p2p-circuit"])
            assert "/p2p-circuit" in path.address
            mallory = Attacker(onode._require_host())
            got = await mallory.guess(home.peer_id, live.invite_id, live.password)
            assert got is Guess.REFUSED
            assert invite.invitation.attempts == 0
            assert invite.invitation.failures == 0
            assert not node.peerbook.is_authorized(outsider.peer_id)
            # On the LAN the same code works.
            with trio.fail_after(40):
                result = await jnode.join_invite(first.short_code, name="laptop")
            assert (await next_progress(invite, {"joined"})).sas == result.sas
