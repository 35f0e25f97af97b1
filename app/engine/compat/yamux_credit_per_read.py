"""YAMUX-CREDIT-PER-READ: a yamux reader hands out window credit on every read.

Upstream (``libp2p.stream_muxer.yamux``, ``PY_YAMUX_RELEASE_ON_READ`` on by default): a reader
sends a window update for every read, so a fast reader (a relay copying between two streams)
hands out credit a few kilobytes at a time and the sender sends frames that small.

Workaround (:func:`install`, process-wide): credit is given in batches (half a window at a time,
as go-yamux does), which doubled relayed throughput in ``bench/relay.py``. py-libp2p reads the
setting from the environment at every window update; a value the user set explicitly is kept.
"""

from __future__ import annotations

import os


def install() -> None:
    """Give yamux window credit in batches, not on every read (idempotent)."""
    os.environ.setdefault("PY_YAMUX_RELEASE_ON_READ", "0")
