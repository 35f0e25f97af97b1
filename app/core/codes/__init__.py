"""What humans copy between devices: invite, pairing and LAN codes, and their text forms.

Imports only app.core.ids, app.core.wire and app.core.errors.
"""
