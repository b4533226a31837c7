"""Rendering of messages: French templates (Jinja2) for e-mails, PDF letters (``pdf.py``, with
reportlab's TrueType fonts), ICS files (icalendar). The kinds and what each requires are the
domain's (``domain/kinds.py``), and so is the letters' address window (``domain/letters.py``)."""

from notifications.adapters.rendering.email import RenderedAttachment, RenderedEmail, render_email
from notifications.adapters.rendering.letter import RenderedLetter, render_letter
from notifications.domain.kinds import KINDS, MessageKind, MissingContext
from notifications.domain.letters import ADDRESS_WINDOW

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
