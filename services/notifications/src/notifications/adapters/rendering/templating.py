"""The Jinja2 environment of the templates: one ``.j2`` file per message kind.

Each template defines the blocks ``subject`` and ``body`` (plain text, paragraphs separated by a
blank line). Every variable is required (``StrictUndefined``); the HTML part is the body's
paragraphs, escaped, in ``email/_layout.html``. The only links of a mail are those its template
marks with the ``url`` filter; names are text, never links (``formatting.neutralised``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from notifications.adapters.rendering.formatting import (
    NAMES,
    agency,
    channel,
    euros,
    firm,
    french_datetime,
    french_day,
    french_moment,
    french_time,
    french_weekday,
    html_paragraph,
    neutralised,
    siren,
    url,
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
        weekday_fr=french_weekday,
        when_fr=french_moment,
        channel_fr=channel,
        agency=agency,
        euros=euros,
        firm=firm,
        html_paragraph=html_paragraph,
        siren=siren,
        url=url,
    )
    return env


def check_context(kind: MessageKind, context: dict[str, Any]) -> None:
    missing = sorted(
        name for name in KINDS[kind].required if name not in context or context[name] in (None, "")
    )
    if missing:
        raise MissingContext(f"{kind.value}: missing or empty {', '.join(missing)}")


def render_blocks(folder: str, kind: MessageKind, context: dict[str, Any]) -> tuple[str, list[str]]:
    """The subject and the body's paragraphs of a kind's template. In an e-mail, the names
    (``NAMES``) are neutralised, and the template's links marked (the ``url`` filter): the
    caller makes the plain and HTML parts of them (``plain_text``, ``html_paragraph``)."""
    check_context(kind, context)
    template = environment().get_template(f"{folder}/{kind.value}.j2")
    values = dict(context)
    if folder == "email":
        for name in NAMES & values.keys():
            if isinstance(values[name], str):
                values[name] = neutralised(values[name])
    ctx = template.new_context(values)
    subject = "".join(template.blocks["subject"](ctx)).strip()
    body = "".join(template.blocks["body"](ctx)).strip()
    paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
    return subject, paragraphs
