"""Performance benchmarks of Sceau (run with ``python -m benchmarks.<name>``)."""
