"""The bank's feeds into the platform."""
