"""Who a peer is and what it is called: peer IDs, our identity key, names, address syntax.

Imports only app.core.wire, app.core.errors, app.core.files and app.util.
"""
