"""After each attack: the node still serves the peers it paired with, and can still pair."""

from __future__ import annotations

from pathlib import Path

import trio

from app.core.codes.invitecode import parse_invite_code
from app.core.config import load_config
from app.core.pairing.invite import InviteProgress
from app.engine.node import Node, open_node
from tests.helpers.nodes import make_node_dir


async def next_progress(invite, kinds: set[str]) -> InviteProgress:  # type: ignore[no-untyped-def]
    """The invite's next progress line of one of ``kinds``."""
    with trio.fail_after(20):
        async for progress in invite.receive:
            if progress.kind in kinds:
                return progress
    raise AssertionError("the invite stream ended")


async def friend_pings(friend: Node, node: Node) -> None:
    """An authorized peer connects (if it is not connected) and gets a line ping answered."""
    with trio.fail_after(20):
        await friend.connect(str(node.identity.peer_id), node.status().listen_addresses[:1])
        results = [r async for r in friend.ping(str(node.identity.peer_id), count=1, interval=0)]
    assert results[0].rtt_ms is not None, results


async def real_join_works(node: Node, root: Path, name: str = "newcomer") -> None:
    """A fresh device joins ``node`` with a fresh invite: the pairing still works."""
    joiner = make_node_dir(root, name)
    async with (
        open_node(load_config(joiner.config_path), joiner.identity) as jnode,
        node.open_invite(name="home", ttl=60) as invite,
    ):
        first = await next_progress(invite, {"code"})
        assert first.code is not None
        with trio.fail_after(30):
            result = await jnode.join_invite(first.code, name=name)
        joined = await next_progress(invite, {"joined"})
        assert joined.sas == result.sas
        assert parse_invite_code(first.code).inviter == node.identity.peer_id
    assert node.peerbook.is_authorized(joiner.peer_id)


def probation_timeout(node_dir, seconds: float) -> None:  # type: ignore[no-untyped-def]
    """Set ``security.probation_timeout`` in a node's config (tests wait seconds, not 15)."""
    text = node_dir.config_path.read_text()
    old = "enable_connection_gating: true}"
    assert old in text
    node_dir.config_path.write_text(
        text.replace(old, f"enable_connection_gating: true, probation_timeout: {seconds}}}")
    )
