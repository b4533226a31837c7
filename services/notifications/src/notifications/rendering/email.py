"""E-mails: a subject, a plain-text part and an HTML part per kind (Jinja2).

HTML is autoescaped; every template variable is required (``StrictUndefined``) and must not be
empty, so a message is never sent with a hole in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from notifications.rendering.formatting import french_datetime
from notifications.rendering.kinds import KINDS, MessageKind, MissingContext


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


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("notifications", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["date_fr"] = french_datetime
    return env


def check_context(kind: MessageKind, context: dict[str, Any]) -> None:
    spec = KINDS[kind]
    missing = sorted(
        name for name in spec.required if context.get(name) in (None, "") or name not in context
    )
    if missing:
        raise MissingContext(f"{kind.value}: missing or empty {', '.join(missing)}")


def render_email(kind: MessageKind, context: dict[str, Any]) -> RenderedEmail:
    check_context(kind, context)
    env = _environment()
    name = KINDS[kind].template
    subject = env.get_template(f"email/{name}.subject.txt").render(context).strip()
    text = env.get_template(f"email/{name}.txt").render(context)
    html = env.get_template(f"email/{name}.html").render(context)
    return RenderedEmail(subject=subject, text=text, html=html)
