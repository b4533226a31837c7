import pytest
from notifications.rendering import KINDS, MessageKind, MissingContext, render_email

CONTEXT = {
    "display_name": "Claire Martin",
    "cabinet_name": "Cabinet <Martin> & Fils",
    "link": "https://mon-compte.example/v1/accounts/activation?token=abc_DEF-123",
    "expires_at": "2026-01-17T09:00:00+00:00",
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_email_kind_renders_its_link_name_and_expiry_in_both_parts(kind: MessageKind) -> None:
    context = {k: v for k, v in CONTEXT.items() if k in KINDS[kind].required}
    mail = render_email(kind, context)
    assert mail.subject
    for part in (mail.text, mail.html):
        assert "Claire Martin" in part
        assert "token=abc_DEF-123" in part
        assert "17 janvier 2026 à 10 h 00" in part
        assert "{{" not in part
        assert "None" not in part


def test_html_escapes_what_users_typed_and_text_keeps_it() -> None:
    mail = render_email(MessageKind.CABINET_ACTIVATION, CONTEXT)
    assert "Cabinet &lt;Martin&gt; &amp; Fils" in mail.html
    assert "Cabinet <Martin> & Fils" in mail.text


@pytest.mark.parametrize("emptied", ["link", "display_name"])
def test_a_missing_or_empty_variable_refuses_to_render(emptied: str) -> None:
    with pytest.raises(MissingContext, match=emptied):
        render_email(MessageKind.CABINET_ACTIVATION, {**CONTEXT, emptied: ""})
    without = {k: v for k, v in CONTEXT.items() if k != emptied}
    with pytest.raises(MissingContext, match=emptied):
        render_email(MessageKind.CABINET_ACTIVATION, without)
