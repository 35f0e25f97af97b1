"""app.cli."""
