"""A name is text: a URL, a domain or an address in a firm's name never becomes a link, in
the HTML part nor in the plain one; the only links of a mail are its template's."""

from __future__ import annotations

import re

import pytest
from notifications.adapters.rendering import MessageKind, render_email, render_letter
from notifications_samples import LINK, SAMPLES

HOSTILE = "Cabinet Martin https://evil.example/payer www.evil.fr paiement@evil.fr evil.fr"
_URL = re.compile(r"(?:https?://|www\.)[\w-][^\s<\"\u200b]*", re.I)
"""What a mail client would make a link of (a zero-width space ends it)."""
_ADDRESS_OR_DOMAIN = re.compile(r"[\w.+-]*@?\bevil\.(?:example|fr)\b")


@pytest.mark.parametrize(
    "kind", [MessageKind.CABINET_ACTIVATION, MessageKind.COLLABORATOR_INVITATION], ids=str
)
def test_a_url_in_a_firm_name_is_no_link_and_the_templates_link_still_is(
    kind: MessageKind,
) -> None:
    context, _ = SAMPLES[kind]
    mail = render_email(kind, {**context, "cabinet_name": HOSTILE})
    assert re.findall(r'<a href="([^"]*)"', mail.html) == [LINK]
    assert _URL.findall(mail.html) == [LINK, LINK]  # the href and the text of the one link
    assert _URL.findall(mail.text) == [LINK]
    for part in (mail.text, mail.html, mail.subject):
        assert not _ADDRESS_OR_DOMAIN.search(part), part
    shown = mail.text.replace("\u200b", "")
    assert HOSTILE in shown  # shown as it was typed, as text
    assert "evil<span>.</span>&#8203;example" in mail.html


def test_a_url_in_a_name_of_a_mail_without_link_gives_it_none() -> None:
    context, _ = SAMPLES[MessageKind.MANDATE_ACTIVATED_CLIENT]
    mail = render_email(MessageKind.MANDATE_ACTIVATED_CLIENT, {**context, "cabinet_name": HOSTILE})
    assert "<a " not in mail.html
    assert _URL.findall(mail.text) == []
    assert _URL.findall(mail.html) == []


def test_a_url_typed_in_a_template_value_that_is_not_a_link_is_not_linkified() -> None:
    """The layout no longer makes links of what it finds: a URL arriving through any other
    value than the template's own link stays text."""
    context, _ = SAMPLES[MessageKind.PORTFOLIO_CHANGED]
    mail = render_email(
        MessageKind.PORTFOLIO_CHANGED, {**context, "portfolio_name": "voir https://evil.example"}
    )
    assert "<a " not in mail.html


def test_a_letter_prints_the_name_as_it_is_without_marks() -> None:
    from datetime import date
    from io import BytesIO

    from pypdf import PdfReader

    context, _ = SAMPLES[MessageKind.ACTIVATION_KEY_LETTER]
    letter = render_letter(
        MessageKind.ACTIVATION_KEY_LETTER,
        {**context, "cabinet_name": "Cabinet evil.fr"},
        date(2026, 12, 2),
    )
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(letter.pdf)).pages)
    assert "Cabinet evil.fr" in " ".join(text.split())
    assert "/URI" not in letter.pdf.decode("latin-1")
