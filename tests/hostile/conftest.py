"""Hostile tests start real nodes (and attackers' raw py-libp2p hosts) in this process, so the
session installs the py-libp2p workarounds first, as every composition root does."""

from __future__ import annotations

import pytest

from app.engine import compat


@pytest.fixture(autouse=True, scope="session")
def _compat_installed() -> None:
    compat.install()
