"""Events published by the identity service."""
