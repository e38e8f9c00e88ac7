"""The shared domain kernel of Sceau: settings, data, keys, credentials, status lists (no Flask)."""
