"""YAMUX-BUFFER-COPIES (``app/engine/compat/yamux_buffer_copies.py``).

Each ``test_defect_*`` proves the defect is still in the pinned py-libp2p and fails once
upstream fixes it; the other tests prove the workaround works.
"""

from __future__ import annotations

import inspect
import os
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from libp2p.stream_muxer.yamux import yamux

from app.engine.compat import yamux_buffer_copies


def test_defect_yamux_buffers_copy_every_frame() -> None:
    source = inspect.getsource(yamux.Yamux)
    assert "self.stream_buffers[stream_id] = bytearray()" in source
    assert ".extend(data)" in source
    assert "data = bytes(buffer)" in source


def test_receive_buffer_returns_whole_frames_without_copying() -> None:
    frame, other = os.urandom(1000), os.urandom(500)
    buffer = yamux_buffer_copies.ReceiveBuffer()
    buffer.extend(frame)
    assert bytes(buffer) is frame
    assert buffer[:1000] is frame
    buffer.extend(other)
    assert len(buffer) == 1500
    assert buffer
    del buffer[:1000]
    assert bytes(buffer) is other  # still the frame's own object
    buffer.extend(frame)
    assert buffer[:700] == other + frame[:200]
    buffer.clear()
    assert not buffer
    assert bytes(buffer) == b""


_buffer_ops = st.lists(
    st.one_of(
        st.tuples(st.just("extend"), st.binary(max_size=40)),
        st.tuples(st.just("take"), st.integers(min_value=0, max_value=60)),
        st.tuples(st.just("slice"), st.integers(-5, 5), st.integers(-5, 60)),
        st.tuples(st.just("delete"), st.integers(-5, 5), st.integers(-5, 60)),
        st.tuples(st.just("all")),
        st.tuples(st.just("clear")),
    ),
    max_size=40,
)


@given(_buffer_ops)
def test_receive_buffer_behaves_like_the_bytearray_it_replaces(ops: list[tuple[Any, ...]]) -> None:
    reference = bytearray()
    buffer = yamux_buffer_copies.ReceiveBuffer()
    for op in ops:
        if op[0] == "extend":
            reference.extend(op[1])
            buffer.extend(op[1])
        elif op[0] == "take":  # what py-libp2p's reads do: bytes(buffer[:n]); del buffer[:n]
            assert bytes(buffer[: op[1]]) == bytes(reference[: op[1]])
            del reference[: op[1]]
            del buffer[: op[1]]
        elif op[0] == "slice":
            assert buffer[op[1] : op[2]] == bytes(reference[op[1] : op[2]])
        elif op[0] == "delete":
            del reference[op[1] : op[2]]
            del buffer[op[1] : op[2]]
        elif op[0] == "all":
            assert bytes(buffer) == bytes(reference)
        else:
            reference.clear()
            buffer.clear()
        assert len(buffer) == len(reference)
        assert bool(buffer) == bool(reference)
