"""Refusals of the notifications domain, each with its French message for operators, and the
failure a channel reports.

``entrypoints/problems.py`` answers each :class:`NotificationsError` with its problem document.
"""

from __future__ import annotations


class NotificationsError(Exception):
    """Base of the notifications domain's refusals."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DeliveryNotFound(NotificationsError):
    def __init__(self, delivery_id: str) -> None:
        super().__init__(f"Aucune remise {delivery_id}.")
        self.delivery_id = delivery_id


class DeliveryStateConflict(NotificationsError):
    """A transition the delivery's state does not allow (see ``Delivery`` in model.py)."""

    def __init__(self, delivery_id: str, state: str, action: str, message: str = "") -> None:
        super().__init__(
            message or f"La remise {delivery_id} est à l'état {state} : {action} est impossible."
        )
        self.delivery_id = delivery_id
        self.state = state
        self.action = action


class DeliveryNotParked(DeliveryStateConflict):
    """Only a parked delivery can be sent again by an operator."""

    def __init__(self, delivery_id: str, state: str = "") -> None:
        super().__init__(
            delivery_id,
            state,
            "retry",
            f"La remise {delivery_id} n'est pas en attente d'intervention.",
        )


class DeliveryFailed(Exception):
    """A channel could not deliver; ``permanent`` says whether trying again can help.

    Not a refusal answered over HTTP: the dispatcher records it on the delivery (rescheduled
    with back-off, or parked)."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled whole (a letter rendered in another process sends its failure back)."""
        return (_delivery_failed, (self.reason, self.permanent))


def _delivery_failed(reason: str, permanent: bool) -> DeliveryFailed:
    return DeliveryFailed(reason, permanent=permanent)


def rendering_failed(exc: Exception) -> DeliveryFailed:
    """A message that cannot be rendered (a template error, a value missing or refused): the
    same context renders the same way at every attempt, so it is permanent, parked at once
    with its reason."""
    return DeliveryFailed(f"rendering failed: {type(exc).__name__}: {exc}", permanent=True)
