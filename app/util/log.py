"""Logging set-up shared by every entry point."""

from __future__ import annotations

import logging
import os
import sys

# py-libp2p logs routine events (failed DHT reads, stream resets) at WARNING; they mean nothing to a
# user and bury ours, so its loggers start one level higher unless PEERUP_DEBUG asks for everything.
_NOISY = ("libp2p", "multiaddr", "hypercorn.error", "hypercorn.access", "async_service")
# ...and a few routine failures at ERROR: every TCP dial that fails (a stale or unreachable address
# of a peer, up to 4 attempts each). Our own messages say which dial failed and why.
_ROUTINE_ERRORS = ("libp2p.transport.tcp.tcp",)


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
    if not debug:
        for name in _NOISY:
            logging.getLogger(name).setLevel(logging.ERROR)
        for name in _ROUTINE_ERRORS:
            logging.getLogger(name).setLevel(logging.CRITICAL)
    # PEERUP_DEBUG_LOGGERS=libp2p.relay.circuit_v2.dcutr,peerup.engine.relay: DEBUG for just those.
    for name in filter(None, os.environ.get("PEERUP_DEBUG_LOGGERS", "").split(",")):
        logging.getLogger(name.strip()).setLevel(logging.DEBUG)
