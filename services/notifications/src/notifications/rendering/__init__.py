"""Rendering of messages: French templates (Jinja2) for e-mails."""

from notifications.rendering.email import RenderedAttachment, RenderedEmail, render_email
from notifications.rendering.kinds import KINDS, MessageKind, MissingContext

__all__ = [
    "KINDS",
    "MessageKind",
    "MissingContext",
    "RenderedAttachment",
    "RenderedEmail",
    "render_email",
]
