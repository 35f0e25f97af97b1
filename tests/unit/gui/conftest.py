"""Qt without a display for the GUI's unit tests (pytest-qt's application object only)."""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"
