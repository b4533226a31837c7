"""Events published by the cotisations service."""
