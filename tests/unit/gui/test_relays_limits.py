"""The preferences' relay list says what a relay grants each connection, in the user's words."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.core.status import RelayInfo
from app.gui.models.relays import Column, RelaysModel, limit_text, limit_tooltip
from app.gui.texts import error_text

pytestmark = pytest.mark.gui

RELAY = "/ip4/203.0.113.7/tcp/4001/p2p/12D3KooWHa1ZL7eFLQuG1o1C3vdUPQWqgVx9Sc8FEdTcGmAb3PAa"


def _relay(data: int | None, duration: int | None, *, reserved: bool = True) -> RelayInfo:
    peer = RELAY.rsplit("/", 1)[1]
    return RelayInfo(RELAY, peer, reserved, None, limit_data=data, limit_duration=duration)


def test_a_stock_relay_is_shown_limited(qapp: object) -> None:
    stock = _relay(128 << 10, 120)
    text = limit_text(stock)
    assert "128" in text
    assert text.endswith("/ 2 min")
    assert "Too little for forwards" in limit_tooltip(stock)
    model = RelaysModel()
    model.replace_rows([stock])
    index = model.index(0, Column.LIMIT)
    assert model.data(index) == text
    assert model.data(index, Qt.ItemDataRole.ForegroundRole) is not None  # the warning colour


def test_a_generous_limit_none_and_no_reservation(qapp: object) -> None:
    ours = _relay(1 << 30, 3600)
    assert limit_text(ours).endswith("/ 1 h")
    assert "Too little" not in limit_tooltip(ours)
    assert limit_text(_relay(None, None)) == "No limit"
    assert limit_text(_relay(None, None, reserved=False)) == ""


def test_the_relay_limited_error_has_a_text(qapp: object) -> None:
    text = error_text("relay-limited", "fallback")
    assert text != "fallback"
    assert "peerup relay serve" in text
