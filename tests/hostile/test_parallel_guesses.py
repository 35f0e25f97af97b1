"""Item 1 of issue 15: parallel handshakes against one invite get 3 guesses, not one per stream.

Mallory has the invite's ID (as anyone who saw the code's first characters, or the short code's
public number, has) and a list of passwords with the right one in it. She opens 200 handshakes at
once, keeps them all in flight, then tries the right password. Each M2 she gets is one offline
check of a guess (its MAC tells her whether the password was right). She attacks over one
connection, or with three identities (the probation's three slots; two from one address, the
third from another) so that the per-peer stream cap is not what stops her.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import trio

from app.core.codes.invitecode import parse_invite_code
from app.core.config import load_config
from app.engine.node import open_node
from tests.helpers.nodes import make_node_dir
from tests.hostile.attacker import Attacker, Guess, open_attacker
from tests.hostile.checks import friend_pings, next_progress, real_join_works

pytestmark = [pytest.mark.trio, pytest.mark.hostile]

PARALLEL = 200


@pytest.mark.parametrize("identities", [1, 3])
async def test_200_parallel_guesses_get_three_checks_and_the_right_one_is_refused(
    tmp_path: Path, identities: int
) -> None:
    home = make_node_dir(tmp_path, "home")
    friend = make_node_dir(tmp_path, "friend")
    home.authorize(friend)
    friend.authorize(home)
    async with (
        open_node(load_config(home.config_path), home.identity) as node,
        open_node(load_config(friend.config_path), friend.identity) as fnode,
        open_attacker() as m1,
        open_attacker() as m2,
        open_attacker() as m3,
    ):
        mallories: list[Attacker] = [m1, m2, m3][:identities]
        async with node.open_invite(name="home", ttl=60) as invite:
            first = await next_progress(invite, {"code"})
            code = parse_invite_code(first.code or "")
            for i, mallory in enumerate(mallories):
                await mallory.connect(
                    home.peer_id, code.direct_addresses[0], source=f"127.0.0.{1 + i // 2}"
                )
            answered: list[Guess] = []
            hold = trio.Event()
            async with trio.open_nursery() as nursery:
                for i in range(PARALLEL):
                    nursery.start_soon(
                        lambda m: m.guess(
                            home.peer_id,
                            code.invite_id,
                            os.urandom(len(code.password)),
                            answered=answered,
                            hold=hold,
                        ),
                        mallories[i % identities],
                    )
                with trio.fail_after(40):
                    while len(answered) < PARALLEL:  # noqa: ASYNC110 - counts her answers
                        await trio.sleep(0.05)
                # All 200 in flight (or refused): now the right password.
                right = await mallories[0].guess(home.peer_id, code.invite_id, code.password)
                hold.set()
            checked = sum(g is not Guess.REFUSED for g in answered)
            # Two streams per stranger at once; three guesses per invite.
            assert checked == min(3, 2 * identities), f"{checked} guesses checked offline"
            assert right is not Guess.JOINED
            assert invite.invitation.attempts == checked
            # Each guess she got counts, though none of them ever finished.
            kinds = {"burned"} if checked == 3 else {"attempt-failed"}
            progress = await next_progress(invite, kinds)
            if checked == 3:
                assert progress.failures == 3
        for mallory in mallories:
            assert not node.peerbook.is_authorized(str(mallory.peer_id))
        await friend_pings(fnode, node)
        await real_join_works(node, tmp_path)
