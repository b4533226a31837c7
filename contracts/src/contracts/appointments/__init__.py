"""Events published by the appointments service."""
