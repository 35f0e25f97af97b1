"""Logging set-up shared by every entry point."""

from __future__ import annotations

import logging
import os
import sys

# py-libp2p logs routine events (failed DHT reads, stream resets) at WARNING; they mean nothing to a
# user and bury ours, so its loggers start one level higher unless PEERUP_DEBUG asks for everything.
_NOISY = ("libp2p", "multiaddr", "hypercorn.error", "hypercorn.access", "async_service")


def setup_logging() -> None:
    """Log to stderr: INFO for peer-up, ERROR for libraries (DEBUG for all with PEERUP_DEBUG=1)."""
    debug = os.environ.get("PEERUP_DEBUG", "") not in ("", "0")
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not debug:
        for name in _NOISY:
            logging.getLogger(name).setLevel(logging.ERROR)
    # PEERUP_DEBUG_LOGGERS=libp2p.relay.circuit_v2.dcutr,peerup.engine.relay: DEBUG for just those.
    for name in filter(None, os.environ.get("PEERUP_DEBUG_LOGGERS", "").split(",")):
        logging.getLogger(name.strip()).setLevel(logging.DEBUG)
