"""app.engine."""
