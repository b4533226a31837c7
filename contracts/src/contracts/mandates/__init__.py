"""Events published by the mandates service."""
