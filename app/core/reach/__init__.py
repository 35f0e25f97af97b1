"""How reachable we are and by which path: interfaces, STUN, NAT-PMP, the grade, LAN paths.

Sans-IO codecs and pure rules; the engine does the I/O. Imports only app.core.ids,
app.core.wire, app.core.status and app.core.errors.
"""
