"""Workarounds for defects of the installed PySide6, each found by a probe, not a version number.

PYSIDE-IMMORTAL-SINGLETONS (PySide6-Essentials 6.12.0 on Python 3.11): PySide6 returns ``None``,
``True`` and ``False`` without taking a reference to them, as if they were immortal (they are
from Python 3.12 on): every void method call (``QObject.killTimer``, ``QTimer.start``,
``processEvents``…) drops a reference to ``None``, every ``SignalInstance.emit()`` one to
``True``. qasync calls such methods and emits signals for every callback (one per trio guest
tick), so the tray died with "Fatal Python error: bool_dealloc" (or ``none_dealloc``) after a
thousand or so, in the middle of a 200 MB forward (bench/gui.py). 6.11.3 does not have the
defect, but its lupdate drops the ``%n`` plural messages, so the project stays on 6.12.
Upstream-style note: below Python 3.12 the bindings must return ``Py_NewRef(Py_None)`` /
``Py_NewRef(Py_True)`` (``Py_RETURN_NONE``, ``Py_RETURN_TRUE``).
"""

from __future__ import annotations

import ctypes
import logging
import sys

from PySide6.QtCore import QObject, Signal

log = logging.getLogger("peerup.gui")

# References given to each singleton: one is dropped per call or signal; 2**40 of them are ~35
# years at a thousand a second.
SPARE_REFERENCES = 1 << 40


class _Probe(QObject):
    fired = Signal()


def drops_references() -> bool:
    """Whether PySide6 drops references to ``None`` or ``True`` (PYSIDE-IMMORTAL-SINGLETONS)."""
    probe = _Probe()
    true_before, none_before = sys.getrefcount(True), sys.getrefcount(None)
    for _ in range(4):
        probe.fired.emit()
        probe.setObjectName("probe")
    return sys.getrefcount(True) <= true_before - 4 or sys.getrefcount(None) <= none_before - 4


def install() -> None:
    """Apply the workarounds this PySide6 needs; call once, before Qt is used.

    PYSIDE-IMMORTAL-SINGLETONS: ``None``, ``True`` and ``False`` get :data:`SPARE_REFERENCES`
    more references each (they are static objects, never freed: the extra count only keeps
    their reference counts from reaching zero). Not needed from Python 3.12 on, where they are
    immortal.
    """
    if sys.version_info >= (3, 12) or not drops_references():
        return
    for singleton in (None, True, False):
        if sys.getrefcount(singleton) < SPARE_REFERENCES:
            refcount = ctypes.c_ssize_t.from_address(id(singleton))  # ob_refcnt: first field
            refcount.value += SPARE_REFERENCES
    log.info("PySide6 %s: None, True, False kept alive (PYSIDE-IMMORTAL-SINGLETONS)", _version())


def _version() -> str:
    import PySide6

    return str(PySide6.__version__)
