"""appointments' processes: the api (HTTP) and the worker (consumers, relay, reminders)."""
