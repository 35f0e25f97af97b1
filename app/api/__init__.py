"""app.api."""
