"""Saved forwards in config.yaml: ``enabled``, their ids, and editing them with comments kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.config import (
    ConfigEditor,
    ForwardConfig,
    config_to_dict,
    init_config_dir,
    load_config,
    parse_config,
    saved_forward_id,
    saved_forward_ids,
)
from app.core.errors import ConfigError, InvalidAddressError, NotFoundError

PEER = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA"
PATH = Path("/tmp/peerup-test/config.yaml")
BASE = (
    "version: 1\n"
    "identity: {key_file: identity.key}\n"
    "network: {listen_addresses: ['/ip4/127.0.0.1/tcp/0']}\n"
)


def test_a_forward_is_enabled_unless_it_says_otherwise() -> None:
    text = BASE + (
        "forwards:\n"
        f"  - {{peer: {PEER}, service: ssh, listen: '127.0.0.1:2222'}}\n"
        f"  - {{peer: {PEER}, service: web, listen: 'localhost:8080', enabled: false}}\n"
    )
    config = parse_config(text, path=PATH)
    assert config.forwards == (
        ForwardConfig(PEER, "ssh", "127.0.0.1:2222"),
        ForwardConfig(PEER, "web", "localhost:8080", enabled=False),
    )
    assert [f["enabled"] for f in config_to_dict(config)["forwards"]] == [True, False]


def test_enabled_must_be_a_boolean() -> None:
    text = BASE + f"forwards:\n  - {{peer: {PEER}, service: ssh, listen: '2222', enabled: 2}}\n"
    with pytest.raises(ConfigError) as err:
        parse_config(text, path=PATH)
    assert err.value.key == "forwards[0].enabled"


@pytest.mark.parametrize(
    ("listen", "forward_id"),
    [
        ("127.0.0.1:2222", "cfg-127.0.0.1:2222"),
        (" 127.0.0.1:2222 ", "cfg-127.0.0.1:2222"),
        ("2222", "cfg-127.0.0.1:2222"),
        ("localhost:8080", "cfg-localhost:8080"),
        ("[::1]:22", "cfg-[::1]:22"),
    ],
)
def test_the_id_of_a_saved_forward_comes_from_its_address(listen: str, forward_id: str) -> None:
    assert saved_forward_id(listen) == forward_id
    assert ForwardConfig(PEER, "ssh", listen).forward_id == forward_id


def test_entries_sharing_port_zero_get_distinct_ids() -> None:
    entries = (
        ForwardConfig(PEER, "ssh", "127.0.0.1:0"),
        ForwardConfig(PEER, "web", "127.0.0.1:0"),
        ForwardConfig(PEER, "db", "127.0.0.1:5432"),
    )
    assert list(saved_forward_ids(entries)) == [
        "cfg-127.0.0.1:0",
        "cfg-127.0.0.1:0-2",
        "cfg-127.0.0.1:5432",
    ]
    with pytest.raises(InvalidAddressError):
        saved_forward_id("not an address")


def test_stop_start_and_remove_keep_comments(tmp_path: Path) -> None:
    path = init_config_dir(tmp_path / "cfg")
    original = path.read_text()
    editor = ConfigEditor.open(path)
    editor.add_forward(PEER, "ssh", "127.0.0.1:2222")
    editor.add_forward(PEER, "web", "127.0.0.1:8080", enabled=False)
    config = editor.save()
    assert [f.enabled for f in config.forwards] == [True, False]
    text = path.read_text()
    assert "    listen: 127.0.0.1:8080\n    enabled: false\n" in text
    assert "# Local ports opened when the daemon starts" in text

    editor = ConfigEditor.open(path)
    editor.set_forward_enabled("127.0.0.1:2222", False)
    editor.set_forward_enabled("127.0.0.1:8080", True)
    config = editor.save()
    assert [f.enabled for f in config.forwards] == [False, True]

    editor = ConfigEditor.open(path)
    with pytest.raises(NotFoundError):
        editor.set_forward_enabled("127.0.0.1:2222", True, service="web")
    with pytest.raises(NotFoundError):
        editor.remove_forward("127.0.0.1:9999")
    editor.remove_forward("127.0.0.1:2222", service="ssh")
    editor.remove_forward("127.0.0.1:8080")
    editor.save()
    assert path.read_text() == original
    assert load_config(path).forwards == ()


def test_on_port_zero_the_service_tells_entries_apart(tmp_path: Path) -> None:
    path = init_config_dir(tmp_path / "cfg")
    editor = ConfigEditor.open(path)
    editor.add_forward(PEER, "ssh", "127.0.0.1:0")
    editor.add_forward(PEER, "web", "127.0.0.1:0")
    editor.save()
    editor = ConfigEditor.open(path)
    editor.set_forward_enabled("127.0.0.1:0", False, service="web")
    editor.remove_forward("127.0.0.1:0", service="ssh")
    assert editor.save().forwards == (ForwardConfig(PEER, "web", "127.0.0.1:0", enabled=False),)
