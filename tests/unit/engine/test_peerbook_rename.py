"""PeerBook.rename: a peer's names: entry is replaced (config.yaml) and taken names get a suffix.
(That watchers see the new name is checked end to end in tests/gui/test_peers_window.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.config.load import load_config
from app.core.errors import NotFoundError
from app.core.ids.peerid import PeerId
from app.engine.bus import EventBus
from app.engine.peerbook import PeerBook
from app.engine.settings import SettingsStore
from tests.helpers.nodes import make_node_dir


def test_rename_replaces_the_old_name_and_avoids_taken_ones(tmp_path: Path) -> None:
    home = make_node_dir(tmp_path, "home")
    nas = make_node_dir(tmp_path, "nas")
    laptop = make_node_dir(tmp_path, "laptop", names={"home": home.peer_id, "nas": nas.peer_id})
    laptop.authorize(home)
    laptop.authorize(nas)
    bus = EventBus()
    book = PeerBook(
        SettingsStore(load_config(laptop.config_path)), PeerId.parse(laptop.peer_id), bus
    )

    entry = book.rename(home.peer_id, "server")
    assert entry.name == "server"
    names = dict(load_config(laptop.config_path).names)
    assert names == {"server": home.peer_id, "nas": nas.peer_id}

    assert book.rename(home.peer_id, "nas").name == "nas-2"  # nas is another peer's
    assert book.resolve("nas-2").peer_id == home.peer_id
    assert book.rename(home.peer_id, "nas-2").name == "nas-2"  # its own name: unchanged

    with pytest.raises(NotFoundError):
        book.rename(laptop.peer_id, "me")
