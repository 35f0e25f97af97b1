"""YAMUX-CREDIT-PER-READ (``app/engine/compat/yamux_credit_per_read.py``).

Each ``test_defect_*`` proves the defect is still in the pinned py-libp2p and fails once
upstream fixes it; the other tests prove the workaround works.
"""

from __future__ import annotations

import pytest
from libp2p.stream_muxer.yamux import yamux

from app.engine.compat import yamux_credit_per_read


def test_defect_yamux_credits_every_read_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PY_YAMUX_RELEASE_ON_READ", raising=False)
    assert yamux._yamux_release_on_read()
    yamux_credit_per_read.install()
    assert not yamux._yamux_release_on_read()
