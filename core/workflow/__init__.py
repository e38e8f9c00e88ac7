"""The certification workflow: evaluation schemes, grades, results and decisions."""
