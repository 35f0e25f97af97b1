"""app.daemon."""
