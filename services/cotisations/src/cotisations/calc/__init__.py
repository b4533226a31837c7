"""``python -m cotisations.calc``: compute contributions from JSON lines on stdin."""
