"""The installed PySide6 keeps Python's reference counts straight when a signal is emitted.

PySide6-Essentials 6.12.0's ``SignalInstance.emit()`` returns ``True`` without taking a reference
to it: every emit drops one, and after ~1000 of them (qasync's ``call_soon_threadsafe`` emits one
per trio guest tick) the tray dies with "Fatal Python error: bool_dealloc". pyproject.toml
excludes that version; this test fails on it (without crashing: it stops at 50 emits).
"""

from __future__ import annotations

import sys

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QObject, Signal


class _Sender(QObject):
    fired = Signal(object)


def test_emit_keeps_the_reference_count_of_true(qapp: object) -> None:
    sender = _Sender()
    received: list[object] = []
    sender.fired.connect(received.append)
    before = sys.getrefcount(True)
    for i in range(50):
        sender.fired.emit(i)
    lost = before - sys.getrefcount(True)
    assert received == list(range(50))
    assert lost < 10, f"each Signal.emit() dropped a reference to True ({lost} in 50 emits)"
