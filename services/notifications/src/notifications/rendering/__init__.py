"""Rendering of messages: French templates (Jinja2) for e-mails, PDF letters, ICS files."""

from notifications.rendering.email import RenderedAttachment, RenderedEmail, render_email
from notifications.rendering.kinds import KINDS, MessageKind, MissingContext
from notifications.rendering.letter import ADDRESS_WINDOW, RenderedLetter, render_letter

__all__ = [
    "ADDRESS_WINDOW",
    "KINDS",
    "MessageKind",
    "MissingContext",
    "RenderedAttachment",
    "RenderedEmail",
    "RenderedLetter",
    "render_email",
    "render_letter",
]
