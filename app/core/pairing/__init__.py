"""The handshakes that introduce and verify peers, sans-IO: invite, relay pairing, SAS, verify.

Imports only app.core.ids and app.core.errors.
"""
