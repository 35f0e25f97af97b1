"""What we keep about known peers: authorized_keys, the verified state, remembered addresses.

Imports only app.core.ids, app.core.pairing (the SAS fingerprint), app.core.errors,
app.core.files and app.util.
"""
