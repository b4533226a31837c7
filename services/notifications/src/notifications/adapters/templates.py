"""The renderer port implemented with the package's Jinja2 templates and PDF letters."""

from __future__ import annotations

from datetime import date
from typing import Any

from notifications.rendering import MessageKind, render_email, render_letter
from notifications.service_layer.ports import Attachment, EmailContent, LetterContent


class TemplateRenderer:
    def render_email(self, kind: str, context: dict[str, Any]) -> EmailContent:
        rendered = render_email(MessageKind(kind), context)
        return EmailContent(
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            attachments=tuple(
                Attachment(a.filename, a.content_type, a.data) for a in rendered.attachments
            ),
        )

    def render_letter(self, kind: str, context: dict[str, Any], today: date) -> LetterContent:
        rendered = render_letter(MessageKind(kind), context, today)
        return LetterContent(rendered.pdf, rendered.subject, rendered.address_lines)
