"""NEGOTIATION-UNTYPED: only the message of a negotiation error tells a refusal from a failure.

Upstream (``libp2p.protocol_muxer.multiselect_client.MultiselectClient.select_one_of``): when the
peer answers "na" to every protocol we offer, a plain ``MultiselectClientError`` is raised (the
``ProtocolNotSupportedError`` caught per protocol is neither raised nor chained), as for a reset,
an early end of stream, a garbled answer or its own negotiation timeout (no ``TimeoutError``
either); ``BasicHost.new_stream`` then wraps each in the same ``StreamFailure``. Only the message
tells "the peer does not offer this protocol" from a broken or slow negotiation, or a stream
broken before the peer saw our proposal from one broken after.

Workaround (where the node opens streams): :func:`is_protocol_refusal`,
:func:`is_negotiation_timeout` and :func:`is_handshake_failure` read the cause chain
(:func:`causes`).
"""

from __future__ import annotations

import trio
from libp2p.protocol_muxer.exceptions import MultiselectClientError, ProtocolNotSupportedError

# The start of ``select_one_of``'s messages for "every protocol was answered na" and for its own
# timeout (libp2p/protocol_muxer/multiselect_client.py).
_ALL_REFUSED_PREFIX = "protocols not supported:"
_TIMED_OUT_PREFIX = "response timed out after"
_HANDSHAKE_PREFIXES = ("handshake read failed", "handshake write failed", "multiselect protocol ID")
_MAX_CAUSES = 64  # a cause chain is ours, but py-libp2p nests deep; stay bounded anyway


def causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and everything it wraps: causes, contexts, MultiError's and groups' members."""
    seen: list[BaseException] = []
    todo = [exc]
    while todo and len(seen) < _MAX_CAUSES:
        current = todo.pop(0)
        if any(current is s for s in seen):
            continue
        seen.append(current)
        todo.extend(getattr(current, "errors", None) or ())  # libp2p.exceptions.MultiError
        if isinstance(current, BaseExceptionGroup):
            todo.extend(current.exceptions)
        if current.__cause__ is not None:
            todo.append(current.__cause__)
        elif current.__context__ is not None and not current.__suppress_context__:
            todo.append(current.__context__)
    return [c for c in seen if isinstance(c, BaseException)]


def is_protocol_refusal(exc: BaseException) -> bool:
    """Whether a failed ``new_stream`` means the peer answered "na" to every protocol we offered.

    Defect NEGOTIATION-UNTYPED: only the message of the ``MultiselectClientError`` that
    ``new_stream`` wraps says so; a reset, an early end of stream, a garbled answer or a timeout
    during the negotiation come as the same types. A ``ProtocolNotSupportedError`` anywhere in
    the chain counts too (what a fixed py-libp2p would raise or chain).

    Args:
        exc: What ``BasicHost.new_stream`` raised.

    Returns:
        True for a refusal by the peer; False for any other failure.
    """
    for cause in causes(exc):
        if isinstance(cause, ProtocolNotSupportedError):
            return True
        if isinstance(cause, MultiselectClientError) and str(cause).startswith(_ALL_REFUSED_PREFIX):
            return True
    return False


def is_negotiation_timeout(exc: BaseException) -> bool:
    """Whether a failed ``new_stream`` means the peer did not answer the negotiation in time.

    Defect NEGOTIATION-UNTYPED: ``select_one_of`` gives up after its ``negotiate_timeout`` (10 s
    by default, less than our own bound on opening a stream) with a ``MultiselectClientError``
    whose message is the only sign of it.

    Args:
        exc: What ``BasicHost.new_stream`` raised.

    Returns:
        True when the negotiation timed out.
    """
    for cause in causes(exc):
        if isinstance(cause, TimeoutError | trio.TooSlowError):
            return True
        if isinstance(cause, MultiselectClientError) and str(cause).startswith(_TIMED_OUT_PREFIX):
            return True
    return False


def is_handshake_failure(exc: BaseException) -> bool:
    """Whether a failed ``new_stream`` broke before the peer could see which protocol we want.

    ``select_one_of`` proposes a protocol only after reading the peer's multistream-select header,
    so a failure while exchanging headers means no handler of the peer ever got the stream
    (defect NEGOTIATION-UNTYPED: only the message says at which step it failed).

    Args:
        exc: What ``BasicHost.new_stream`` raised.

    Returns:
        True when the failure came before our proposal was sent.
    """
    return any(
        isinstance(cause, MultiselectClientError) and str(cause).startswith(_HANDSHAKE_PREFIXES)
        for cause in causes(exc)
    )
