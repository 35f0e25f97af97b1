"""QUIC-TAIL-LOSS (``app/engine/compat/quic_tail_loss.py``).

Each ``test_defect_*`` proves the defect is still in the pinned py-libp2p and fails once
upstream fixes it; the other tests prove the workaround works.
"""

from __future__ import annotations

import inspect

from app.engine.compat import quic_tail_loss


def test_defect_quic_read_reports_eof_without_rechecking_the_buffer() -> None:
    source = inspect.getsource(quic_tail_loss.original_quic_read())
    after_state_lock = source.split("async with self._state_lock:", 1)[1]
    eof_branch = after_state_lock.split("raise _QUICStreamEOF()", 1)[0]
    assert "_receive_buffer" not in eof_branch  # EOF is raised without looking at the buffer again
