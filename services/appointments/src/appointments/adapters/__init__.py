"""appointments' adapters: what the domain needs from the outside world."""
