"""RelayLimits.from_config: relay_service and relay_service.auto map onto a hop's limits."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path

import pytest

from app.core.config import (
    AutoRelayConfig,
    RelayServiceConfig,
    default_config_text,
    parse_config,
)
from app.core.errors import ConfigError
from app.engine.relay import RelayLimits


def test_every_limit_has_a_config_namesake_of_its_type() -> None:
    config_types = typing.get_type_hints(RelayServiceConfig)
    for name, kind in typing.get_type_hints(RelayLimits).items():
        assert config_types.get(name) is kind, name


def test_defaults_agree() -> None:
    assert RelayLimits.from_config(RelayServiceConfig()) == RelayLimits()


def test_each_field_is_carried() -> None:
    changed = {
        f.name: getattr(RelayLimits(), f.name) * 3 + 1 for f in dataclasses.fields(RelayLimits)
    }
    section = dataclasses.replace(RelayServiceConfig(), enabled=True, health_port=9090, **changed)
    assert dataclasses.asdict(RelayLimits.from_config(section)) == changed


def test_from_a_config_file() -> None:
    text = default_config_text() + (
        "relay_service:\n  enabled: true\n  session_data_limit: 2MB\n  session_duration: 10m\n"
        "  max_circuits_per_peer: 2\n"
    )
    section = parse_config(text, path=Path("/tmp/peerup-test/config.yaml")).relay_service
    assert RelayLimits.from_config(section) == RelayLimits(
        session_data_limit=2 << 20, session_duration=600.0, max_circuits_per_peer=2
    )


def test_the_automatic_relay_has_small_limits_of_its_own() -> None:
    """Every peer is a relay: a publicly dialable node relays with the Go peer-up's limits
    (10 min and 128 KiB per circuit), not those of a relay service (1 h and 1 GiB)."""
    auto_types = typing.get_type_hints(AutoRelayConfig)
    for name, kind in typing.get_type_hints(RelayLimits).items():
        assert auto_types.get(name) is kind, name
    auto = RelayLimits.from_config(RelayServiceConfig().auto)
    assert (auto.session_duration, auto.session_data_limit) == (600.0, 128 << 10)
    assert auto.max_circuits < RelayLimits().max_circuits
    assert auto.max_reservations < RelayLimits().max_reservations


def test_the_automatic_relays_limits_from_a_config_file() -> None:
    text = default_config_text() + (
        "relay_service:\n  auto:\n    session_data_limit: 1MB\n    session_duration: 2m\n"
        "    max_circuits: 3\n"
    )
    section = parse_config(text, path=Path("/tmp/peerup-test/config.yaml")).relay_service
    assert not section.enabled
    assert RelayLimits.from_config(section) == RelayLimits()  # the relay service's: untouched
    assert RelayLimits.from_config(section.auto) == dataclasses.replace(
        RelayLimits.from_config(AutoRelayConfig()),
        session_data_limit=1 << 20,
        session_duration=120.0,
        max_circuits=3,
    )


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("{max_circuits: 0}", "max_circuits"),
        ("{session_data_limit: lots}", "session_data_limit"),
        ("{session_duration: forever}", "session_duration"),
        ("{enabled: true}", "enabled"),
    ],
)
def test_bad_automatic_relay_limits_are_named(text: str, key: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(
            default_config_text() + f"relay_service:\n  auto: {text}\n",
            path=Path("/tmp/peerup-test/config.yaml"),
        )
    assert err.value.key == f"relay_service.auto.{key}", err.value


def test_the_automatic_relays_section_is_a_mapping() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(
            default_config_text() + "relay_service:\n  auto: 5\n",
            path=Path("/tmp/peerup-test/config.yaml"),
        )
    assert err.value.key == "relay_service.auto", err.value
