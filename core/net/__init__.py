"""The one guarded outbound fetch (SSRF guard, timeouts, size caps)."""
