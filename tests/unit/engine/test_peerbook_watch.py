"""The PeerBook's hot reload of authorized_keys, on trio's mock clock.

A real config directory and real files; the poll interval passes on the autojump clock. The
same reload with real nodes (an edited file lets a refused peer in) is in
tests/integration/test_node_forwarding.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import trio
from libp2p.crypto.ed25519 import create_new_key_pair
from libp2p.peer.id import ID
from trio.testing import MockClock

from app.core.config import load_config
from app.core.ids.peerid import PeerId
from app.core.peers.authkeys import AuthorizedKeysFile
from app.core.status import AuthorizedKeysChanged
from app.engine.bus import EventBus
from app.engine.peerbook import AUTHKEYS_POLL_INTERVAL, PeerBook
from app.engine.settings import SettingsStore
from tests.helpers.nodes import make_node_dir

pytestmark = pytest.mark.trio


def _new_peer() -> PeerId:
    return PeerId.parse(ID.from_pubkey(create_new_key_pair().public_key).to_base58())


async def test_an_edit_of_the_file_is_picked_up_within_one_poll(
    tmp_path: Path, autojump_clock: MockClock
) -> None:
    node = make_node_dir(tmp_path, "node")
    bus = EventBus()
    book = PeerBook(SettingsStore(load_config(node.config_path)), node.identity.peer_id, bus)
    keys = AuthorizedKeysFile(node.path / "authorized_keys")
    reloads: list[float] = []

    async def on_reload() -> None:
        reloads.append(trio.current_time())

    first, second = _new_peer(), _new_peer()
    async with bus.subscribe() as events, trio.open_nursery() as nursery:
        nursery.start_soon(book.watch, on_reload)
        # Half-way between two polls from here on (a poll and an edit at one instant race).
        await trio.sleep(10.5 * AUTHKEYS_POLL_INTERVAL)
        assert reloads == []  # nothing changed: nothing reloaded

        edited = trio.current_time()
        keys.add(first, "first")  # another writer: a user's editor, the offline CLI
        await trio.sleep(AUTHKEYS_POLL_INTERVAL)
        assert book.is_authorized(str(first))
        assert len(reloads) == 1
        assert reloads[0] - edited <= AUTHKEYS_POLL_INTERVAL
        event = (await events.__anext__()).event  # type: ignore[union-attr]
        assert event == AuthorizedKeysChanged(authorized_peers=1)

        # A file that cannot be read any more (not UTF-8): the previous list stays.
        keys.path.write_bytes(b"\xff\xfe broken\n")
        await trio.sleep(5 * AUTHKEYS_POLL_INTERVAL)
        assert book.is_authorized(str(first))
        assert len(reloads) == 1

        keys.path.write_text(f"{second} second\n")
        await trio.sleep(AUTHKEYS_POLL_INTERVAL)
        assert book.is_authorized(str(second))
        assert not book.is_authorized(str(first))
        assert len(reloads) == 2
        nursery.cancel_scope.cancel()
