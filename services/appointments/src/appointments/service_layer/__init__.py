"""appointments' use cases, written against the ports of ``ports``."""
