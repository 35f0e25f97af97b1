"""Logging set-up shared by every entry point."""

from __future__ import annotations

import logging
import os
import sys

# py-libp2p logs routine events (failed DHT reads, stream resets) at WARNING; they mean nothing to a
# user and bury ours, so its loggers start one level higher unless PEERUP_DEBUG asks for everything.
_NOISY = ("libp2p", "multiaddr", "hypercorn.error", "hypercorn.access", "async_service")
# ...and a few routine failures at ERROR: every TCP dial that fails (a stale or unreachable address
# of a peer, up to 4 attempts each; our own messages say which dial failed and why), and every
# identify push a peer does not take (a js-libp2p relay without the push service answers "na").
_ROUTINE_ERRORS = ("libp2p.transport.tcp.tcp", "libp2p.identity.identify_push.identify_push")
# py-libp2p logs a multi-line ERROR for every stream a peer refuses with multistream's "na", an
# expected answer (a go-libp2p relay has no dial-back protocol of ours): a debug line instead.
_STREAM_LOGGER = "libp2p.host.basic_host"


class _RefusedProtocolIsDebug(logging.Filter):
    """Turns py-libp2p's ERROR "Failed to open stream … protocols not supported" into DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.ERROR:
            return True
        message = record.getMessage()
        if not (
            message.startswith("Failed to open stream") and "protocols not supported" in message
        ):
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        lines = [line.strip() for line in message.splitlines()]
        error = next((line for line in lines if line.startswith("Error:")), "")
        record.msg, record.args = f"{lines[0].rstrip(':')}: {error.removeprefix('Error: ')}", None
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


def setup_logging() -> None:
    """Log to stderr: INFO for peer-up, ERROR for libraries (DEBUG for all with PEERUP_DEBUG=1).

    Call it after py-libp2p is imported: importing it cuts its loggers off from the root logger
    (``propagate = False``, no handler, level WARNING), so its records reached stderr unformatted
    through logging's last resort, and never below WARNING whatever PEERUP_DEBUG* asked for.
    """
    debug = os.environ.get("PEERUP_DEBUG", "") not in ("", "0")
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    libp2p = logging.getLogger("libp2p")
    libp2p.propagate = True
    libp2p.setLevel(logging.NOTSET)  # py-libp2p's import sets WARNING; the root's level decides
    stream_logger = logging.getLogger(_STREAM_LOGGER)
    if not any(isinstance(f, _RefusedProtocolIsDebug) for f in stream_logger.filters):
        stream_logger.addFilter(_RefusedProtocolIsDebug())
    if not debug:
        for name in _NOISY:
            logging.getLogger(name).setLevel(logging.ERROR)
        for name in _ROUTINE_ERRORS:
            logging.getLogger(name).setLevel(logging.CRITICAL)
    # PEERUP_DEBUG_LOGGERS=libp2p.relay.circuit_v2.dcutr,peerup.engine.relay: DEBUG for just those.
    for name in filter(None, os.environ.get("PEERUP_DEBUG_LOGGERS", "").split(",")):
        logging.getLogger(name.strip()).setLevel(logging.DEBUG)
