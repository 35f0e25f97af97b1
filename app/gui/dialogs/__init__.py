"""The tray's dialogs and windows beyond the peers window: each a view of the bridge's state."""
