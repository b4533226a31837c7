"""Opening the secrets sealed to notifications' key, only at the moment of rendering."""

from __future__ import annotations

from servicekit.sealing import Unsealer


class SealedSecretOpener(Unsealer):
    """The dispatcher's opener: servicekit's, with its box made once per process."""
