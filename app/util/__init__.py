"""app.util."""
