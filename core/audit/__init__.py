"""The tamper-evident audit log: append-only events chained by SHA-256."""
