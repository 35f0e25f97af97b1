"""app.gui."""
