"""The Jinja2 environment of the templates: one ``.j2`` file per message kind.

Each template defines the blocks ``subject`` and ``body`` (plain text, paragraphs separated by a
blank line). Every variable is required (``StrictUndefined``); the HTML part is the body's
paragraphs, escaped, in ``email/_layout.html``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from notifications.adapters.rendering.formatting import (
    euros,
    french_datetime,
    french_day,
    french_time,
    linkify,
)
from notifications.domain.kinds import KINDS, MessageKind, MissingContext


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("notifications", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        date_fr=french_datetime,
        day_fr=french_day,
        time_fr=french_time,
        euros=euros,
        linkify=linkify,
    )
    return env


def check_context(kind: MessageKind, context: dict[str, Any]) -> None:
    missing = sorted(
        name for name in KINDS[kind].required if name not in context or context[name] in (None, "")
    )
    if missing:
        raise MissingContext(f"{kind.value}: missing or empty {', '.join(missing)}")


def render_blocks(folder: str, kind: MessageKind, context: dict[str, Any]) -> tuple[str, list[str]]:
    """The subject and the body's paragraphs of a kind's template."""
    check_context(kind, context)
    template = environment().get_template(f"{folder}/{kind.value}.j2")
    ctx = template.new_context(dict(context))
    subject = "".join(template.blocks["subject"](ctx)).strip()
    body = "".join(template.blocks["body"](ctx)).strip()
    paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
    return subject, paragraphs
