"""Config keys for crossing NAT: relay_service, network.stun_servers, network.hole_punching."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.config import ConfigEditor, default_config_text, parse_config
from app.core.errors import ConfigError

PATH = Path("/tmp/peerup-test/config.yaml")


def _with(extra: str) -> str:
    return default_config_text() + extra


def test_defaults() -> None:
    config = parse_config(default_config_text(), path=PATH)
    assert config.relay_service.enabled is False
    assert config.relay_service.session_data_limit == 1 << 30
    assert config.hole_punching is True
    assert config.stun_servers == ()


def test_relay_service_values() -> None:
    text = _with(
        "relay_service:\n  enabled: true\n  session_data_limit: 64MB\n  reservation_ttl: 30m\n"
        "  max_circuits: 8\n  health_port: 9090\n"
    )
    relay = parse_config(text, path=PATH).relay_service
    assert (relay.enabled, relay.session_data_limit, relay.reservation_ttl) == (
        True,
        64 << 20,
        1800,
    )
    assert (relay.max_circuits, relay.health_port) == (8, 9090)


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ("relay_service:\n  session_data_limit: lots\n", "relay_service.session_data_limit"),
        ("relay_service:\n  max_circuits: -1\n", "relay_service.max_circuits"),
        ("relay_service:\n  health_port: 70000\n", "relay_service.health_port"),
        ("relay_service:\n  reservation_ttl: forever\n", "relay_service.reservation_ttl"),
        ("relay_service:\n  enabeld: true\n", "relay_service.enabeld"),
    ],
)
def test_relay_service_errors_name_key_and_line(extra: str, key: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(_with(extra), path=PATH)
    assert err.value.key == key
    assert err.value.line is not None
    assert err.value.line > 1


@pytest.mark.parametrize(
    ("extra", "given"),
    [
        ("relay_service:\n  max_circuits: -1\n", "(-1 given)"),
        ("relay_service:\n  max_circuits: 0\n", "(0 given)"),
        ("relay_service:\n  max_reservations_per_ip: 2.5\n", "(2.5 given)"),
        ("relay_service:\n  health_port: 70000\n", "(70000 given)"),
        ("relay_service:\n  max_circuits: true\n", "(true/false given)"),
    ],
)
def test_relay_service_errors_show_the_number_given(extra: str, given: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(_with(extra), path=PATH)
    assert err.value.message.endswith(given), err.value.message


def test_stun_servers_and_hole_punching() -> None:
    added = "\n  stun_servers: [203.0.113.20, '[2001:db8::1]:3478']\n  hole_punching: false"
    text = default_config_text().replace("  enable_quic: false", "  enable_quic: false" + added)
    config = parse_config(text, path=PATH)
    assert config.stun_servers == ("203.0.113.20:3478", "[2001:db8::1]:3478")
    assert config.hole_punching is False
    bad = text.replace("203.0.113.20", "203.0.113.20:0")
    with pytest.raises(ConfigError) as err:
        parse_config(bad, path=PATH)
    assert err.value.key == "network.stun_servers"


def test_relay_editing_keeps_comments(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(default_config_text())
    path.chmod(0o600)
    relay = "/ip4/203.0.113.10/tcp/7777/p2p/12D3KooWLCavCP1Pma9NGJQnGDQhgwSjgQgupWprZJH4w1P3HCVL"
    editor = ConfigEditor.open(path)
    editor.add_relay(relay)
    config = editor.save()
    assert config.relay_addresses == (relay,)
    assert "# Relays used when a peer cannot be reached directly" in path.read_text()
    editor = ConfigEditor.open(path)
    editor.remove_relay("12D3KooWLCavCP1Pma9NGJQnGDQhgwSjgQgupWprZJH4w1P3HCVL")
    assert editor.save().relay_addresses == ()
