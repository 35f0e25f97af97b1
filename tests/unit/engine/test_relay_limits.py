"""RelayLimits.from_config: the relay_service section maps onto the hop's limits by name."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path

from app.core.config import RelayServiceConfig, default_config_text, parse_config
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
