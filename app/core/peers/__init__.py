"""What we keep about known peers: authorized_keys, the verified state, remembered addresses,
and the peer book model over them (names, badges, key changes).

Imports only app.core.ids, app.core.pairing (the SAS fingerprint), app.core.errors,
app.core.files, app.core.status (the shapes it reports in) and app.util.
"""
