"""E-mails: a subject, a plain-text part and an HTML part per kind, and an ICS invitation for
the appointment kinds that carry one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from notifications.adapters.rendering.formatting import plain_text
from notifications.adapters.rendering.ics import render_ics
from notifications.adapters.rendering.templating import environment, render_blocks
from notifications.domain.kinds import KINDS, MessageKind

SIGNATURE = "Sécurité sociale des indépendants — Mon compte"


def one_line(value: str) -> str:
    """A header's value: every run of white space (CR, LF, tabs…) made one space."""
    return " ".join(value.split())


@dataclass(frozen=True)
class RenderedAttachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str
    attachments: tuple[RenderedAttachment, ...] = field(default=())


def render_email(kind: MessageKind, context: dict[str, Any]) -> RenderedEmail:
    if KINDS[kind].channel != "email":
        raise ValueError(f"{kind.value} is not an e-mail")
    subject, paragraphs = render_blocks("email", kind, context)
    subject = one_line(plain_text(subject))  # a header: a name brings no CR or LF into it
    text = "\n\n".join([*(plain_text(p) for p in paragraphs), SIGNATURE]) + "\n"
    html = (
        environment()
        .get_template("email/_layout.html")
        .render(subject=subject, paragraphs=paragraphs)
    )
    attachments: tuple[RenderedAttachment, ...] = ()
    method = KINDS[kind].ics_method
    if method is not None:
        attachments = (
            RenderedAttachment(
                "rendez-vous.ics",
                f"text/calendar; method={method}",
                render_ics(context, method=method, summary=subject),
            ),
        )
    return RenderedEmail(subject=subject, text=text, html=html, attachments=attachments)
