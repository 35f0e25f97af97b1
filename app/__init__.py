"""peer-up desktop: reach your devices through NAT with libp2p."""

__version__ = "0.1.0"
