"""ConfigEditor.update_service: a service edited in place, its comments and ``enabled`` kept."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.core.config import ConfigEditor, ServiceConfig
from app.core.errors import InvalidAddressError, InvalidPeerIdError, NotFoundError

PEER = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA"
TEXT = (
    "version: 1\n"
    "identity: {key_file: identity.key}\n"
    "network: {listen_addresses: ['/ip4/127.0.0.1/tcp/0']}\n"
    "services:\n"
    "  # the web UI\n"
    "  web:\n"
    "    enabled: false   # not yet\n"
    "    local_address: localhost:8080\n"
    f"    allowed_peers: [{PEER}]\n"
    "    protocol: http\n"
    "# the end\n"
)


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(TEXT)
    os.chmod(path, 0o600)
    return path


def test_an_edit_changes_address_peers_and_verified_only_only(tmp_path: Path) -> None:
    path = _config(tmp_path)
    editor = ConfigEditor.open(path)
    editor.update_service("web", "127.0.0.1:9090", verified_only=True)
    [service] = editor.save().services
    assert service == ServiceConfig(
        "web", "127.0.0.1:9090", enabled=False, protocol="http", verified_only=True
    )
    text = path.read_text()
    for kept in ("# the web UI", "enabled: false   # not yet", "# the end"):
        assert kept in text

    editor = ConfigEditor.open(path)
    editor.update_service("web", "127.0.0.1:9090", allowed_peers=[PEER])
    [service] = editor.save().services
    assert (service.allowed_peers, service.verified_only) == ((PEER,), False)


@pytest.mark.parametrize(
    ("name", "address", "peers", "error"),
    [
        ("ssh", "localhost:22", [], NotFoundError),
        ("web", "localhost:0", [], InvalidAddressError),
        ("web", "nope", [], InvalidAddressError),
        ("web", "localhost:22", ["not-a-peer"], InvalidPeerIdError),
    ],
)
def test_a_bad_edit_writes_nothing(
    tmp_path: Path, name: str, address: str, peers: list[str], error: type[Exception]
) -> None:
    path = _config(tmp_path)
    editor = ConfigEditor.open(path)
    with pytest.raises(error):
        editor.update_service(name, address, allowed_peers=peers)
    assert path.read_text() == TEXT
