"""Qt item models fed by the bridge's state."""
