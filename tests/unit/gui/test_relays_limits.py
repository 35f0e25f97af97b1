"""The preferences' relay list says what a relay grants each connection, in the user's words."""

from __future__ import annotations

import pytest

from app.core.status import RelayInfo
from app.gui.models.relays import reservation_text
from app.gui.texts import error_text

pytestmark = pytest.mark.gui

RELAY = "/ip4/203.0.113.7/tcp/4001/p2p/12D3KooWHa1ZL7eFLQuG1o1C3vdUPQWqgVx9Sc8FEdTcGmAb3PAa"


def _relay(data: int | None, duration: int | None) -> RelayInfo:
    peer = RELAY.rsplit("/", 1)[1]
    return RelayInfo(RELAY, peer, True, None, limit_data=data, limit_duration=duration)


def test_a_stock_relay_is_shown_limited(qapp: object) -> None:
    text = reservation_text(_relay(128 << 10, 120))
    assert text.startswith("Reserved · limited: ")
    assert "128" in text
    assert "2 min" in text
    assert text.endswith("per connection")


def test_a_generous_limit_and_none(qapp: object) -> None:
    assert "limit: " in reservation_text(_relay(1 << 30, 3600))
    assert "1 h" in reservation_text(_relay(1 << 30, 3600))
    assert reservation_text(_relay(None, None)) == "Reserved"


def test_the_relay_limited_error_has_a_text(qapp: object) -> None:
    text = error_text("relay-limited", "fallback")
    assert text != "fallback"
    assert "peerup relay serve" in text
