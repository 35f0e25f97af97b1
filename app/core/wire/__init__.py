"""Encodings shared by our protocols: varints, small JSON messages, the refusal record.

The bottom of core: imports only app.core.errors.
"""
