from datetime import date, datetime
from io import BytesIO

import pytest
from icalendar import Calendar
from notifications.adapters.rendering import (
    ADDRESS_WINDOW,
    KINDS,
    MessageKind,
    MissingContext,
    render_email,
    render_letter,
)
from notifications.adapters.rendering.formatting import PARIS
from notifications_samples import SAMPLES
from pypdf import PdfReader

EMAILS = [k for k in MessageKind if KINDS[k].channel == "email"]
LETTERS = [k for k in MessageKind if KINDS[k].channel == "letter"]
MM = 72 / 25.4


def test_every_kind_has_a_sample() -> None:
    assert set(SAMPLES) == set(MessageKind)


@pytest.mark.parametrize("kind", EMAILS, ids=str)
def test_every_email_renders_what_it_must_in_text_and_html(kind: MessageKind) -> None:
    context, expected = SAMPLES[kind]
    mail = render_email(kind, context)
    assert mail.subject
    for part in (mail.text, mail.html):
        for fragment in expected:
            assert fragment.replace("<", "&lt;") in part, (kind, fragment)
        assert "{{" not in part
        assert "None" not in part
        assert "  ," not in part


@pytest.mark.parametrize("kind", LETTERS, ids=str)
def test_every_letter_is_a_pdf_whose_text_contains_what_it_must(kind: MessageKind) -> None:
    context, expected = SAMPLES[kind]
    letter = render_letter(kind, context, today=date(2026, 1, 15))
    reader = PdfReader(BytesIO(letter.pdf))
    assert len(reader.pages) >= 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / MM), round(float(box.height) / MM)) == (210, 297)
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    for fragment in expected:
        assert fragment in text, (kind, fragment)
    assert "Paris, le 15 janvier 2026" in text


@pytest.mark.parametrize("kind", LETTERS, ids=str)
def test_the_address_block_sits_inside_the_envelope_window(kind: MessageKind) -> None:
    context, _ = SAMPLES[kind]
    letter = render_letter(kind, context, today=date(2026, 1, 15))
    page = PdfReader(BytesIO(letter.pdf)).pages[0]
    height_pt = float(page.mediabox.height)
    positions: dict[str, tuple[float, float]] = {}

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        if text.strip():
            positions[text.strip()] = (tm[4] / MM, (height_pt - tm[5]) / MM)

    page.extract_text(visitor_text=visit)
    for line in letter.address_lines:
        x, y = positions[line]
        assert ADDRESS_WINDOW.contains(x, y), (line, x, y)
        assert x >= ADDRESS_WINDOW.x + 4


def test_the_activation_key_is_printed_large_in_a_monospace_face() -> None:
    context, _ = SAMPLES[MessageKind.ACTIVATION_KEY_LETTER]
    letter = render_letter(MessageKind.ACTIVATION_KEY_LETTER, context, today=date(2026, 1, 15))
    page = PdfReader(BytesIO(letter.pdf)).pages[0]
    fonts: dict[str, tuple[str, float]] = {}

    def visit(
        text: str, cm: list[float], tm: list[float], font: dict[str, object] | None, size: float
    ) -> None:
        if text.strip() and font is not None:
            fonts[text.strip()] = (str(font.get("/BaseFont")), size)

    page.extract_text(visitor_text=visit)
    base_font, size = fonts[context["activation_key"]]
    assert "DejaVuSansMono" in base_font
    assert size >= 18


def test_html_escapes_what_users_typed_and_text_keeps_it() -> None:
    context, _ = SAMPLES[MessageKind.CABINET_ACTIVATION]
    mail = render_email(MessageKind.CABINET_ACTIVATION, {**context, "cabinet_name": "A <b> & C"})
    assert "A &lt;b&gt; &amp; C" in mail.html
    assert "A <b> & C" in mail.text
    assert (
        '<a href="https://mon-compte.example/v1/accounts/activation?token=abc_DEF-123">'
        in mail.html
    )


@pytest.mark.parametrize("emptied", ["link", "display_name"])
def test_a_missing_or_empty_variable_refuses_to_render(emptied: str) -> None:
    context, _ = SAMPLES[MessageKind.CABINET_ACTIVATION]
    with pytest.raises(MissingContext, match=emptied):
        render_email(MessageKind.CABINET_ACTIVATION, {**context, emptied: ""})
    without = {k: v for k, v in context.items() if k != emptied}
    with pytest.raises(MissingContext, match=emptied):
        render_email(MessageKind.CABINET_ACTIVATION, without)


@pytest.mark.parametrize(
    ("kind", "method", "status"),
    [
        (MessageKind.APPOINTMENT_CONFIRMED, "REQUEST", "CONFIRMED"),
        (MessageKind.APPOINTMENT_REMINDER, "REQUEST", "CONFIRMED"),
        (MessageKind.APPOINTMENT_CANCELLED, "CANCEL", "CANCELLED"),
    ],
)
def test_appointment_mails_carry_a_calendar_file_with_the_right_times(
    kind: MessageKind, method: str, status: str
) -> None:
    context, _ = SAMPLES[kind]
    [attachment] = render_email(kind, context).attachments
    assert attachment.filename.endswith(".ics")
    calendar = Calendar.from_ical(attachment.data)
    assert str(calendar["method"]) == method
    [event] = list(calendar.walk("VEVENT"))
    assert event.decoded("dtstart") == datetime(2026, 3, 10, 10, 30, tzinfo=PARIS)
    assert event.decoded("dtend") == datetime(2026, 3, 10, 11, 0, tzinfo=PARIS)
    assert str(event["uid"]) == "RDV-2026-000123@mon-compte.example"
    assert str(event["status"]) == status


def test_an_acknowledgement_carries_no_calendar_file() -> None:
    context, _ = SAMPLES[MessageKind.APPOINTMENT_ACKNOWLEDGED]
    assert render_email(MessageKind.APPOINTMENT_ACKNOWLEDGED, context).attachments == ()


async def test_letters_rendered_in_a_separate_process_are_the_same_and_fail_one_by_one() -> None:
    import os

    from notifications.adapters.templates import PooledRenderer, TemplateRenderer
    from notifications.domain.errors import DeliveryFailed
    from notifications.service_layer.ports import LetterJob

    context, _ = SAMPLES[MessageKind.ACTIVATION_KEY_LETTER]
    today = date(2026, 1, 15)
    good = LetterJob("activation_key_letter", context, today)
    bad = LetterJob("activation_key_letter", {**context, "address_lines": ["x"] * 9}, today)
    pooled = PooledRenderer(1)
    try:
        first, refused, second = await pooled.render_letters([good, bad, good])
        pid = await _renderer_pid(pooled)
    finally:
        pooled.close()
    inline = TemplateRenderer().render_letter(good.kind, good.context, today)
    assert not isinstance(first, Exception)
    assert not isinstance(second, Exception)
    assert first.address_lines == inline.address_lines == second.address_lines
    assert _text(first.pdf) == _text(inline.pdf)
    assert isinstance(refused, DeliveryFailed)  # pickled back from the other process whole
    assert refused.permanent
    assert "an address has at most 6 lines" in refused.reason
    assert pid != os.getpid()


async def _renderer_pid(pooled: object) -> int:
    import asyncio
    import os

    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(pooled._executor(), os.getpid)  # type: ignore[attr-defined]


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


@pytest.mark.parametrize("kind", LETTERS, ids=str)
def test_every_font_of_every_letter_is_embedded(kind: MessageKind) -> None:
    """Print shops refuse a PDF whose fonts are not embedded: each font the pages use is a
    TrueType font with its file (``/FontFile2``), in the PDF itself."""
    context, _ = SAMPLES[kind]
    letter = render_letter(kind, context, today=date(2026, 12, 1))
    reader = PdfReader(BytesIO(letter.pdf))
    seen: list[str] = []
    for page in reader.pages:
        resources = page["/Resources"].get_object()
        for ref in resources["/Font"].get_object().values():
            font = ref.get_object()
            seen.append(str(font["/BaseFont"]))
            descendants = font.get("/DescendantFonts")
            described = descendants.get_object()[0].get_object() if descendants else font
            descriptor = described["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, font["/BaseFont"]
            assert descriptor["/FontFile2"].get_object().get_data()  # the glyphs themselves
    assert seen
    assert all("DejaVu" in name for name in seen), seen


def test_an_embedded_font_file_is_reportlabs_subset_of_the_characters_it_maps() -> None:
    """Letters reuse the font objects made for the previous ones: what each PDF embeds is still
    the TrueType subset (made by reportlab) of the characters its ToUnicode map names, decoded
    whole (``Length1``), whatever letters came before."""
    from notifications.adapters.rendering.letter import TEXT_FACE, faces
    from reportlab.pdfbase.ttfonts import TTFontFace

    context, _ = SAMPLES[MessageKind.ACTIVATION_KEY_LETTER]
    first = render_letter(MessageKind.ACTIVATION_KEY_LETTER, context, today=date(2026, 1, 15))
    other = {**context, "recipient_name": "Zoé Œuvrard", "cabinet_name": "Cabinet Ærø"}
    second = render_letter(MessageKind.ACTIVATION_KEY_LETTER, other, today=date(2026, 1, 15))
    face = faces()[TEXT_FACE].ttf
    checked = 0
    for pdf in (first.pdf, second.pdf, first.pdf):
        for page in PdfReader(BytesIO(pdf), strict=True).pages:
            for ref in page["/Resources"]["/Font"].values():
                font = ref.get_object()
                if not str(font["/BaseFont"]).endswith("+DejaVuSans"):
                    continue
                stream = font["/FontDescriptor"]["/FontFile2"].get_object()
                data = stream.get_data()
                assert stream["/Filter"] == "/FlateDecode"
                assert len(data) == stream["/Length1"]
                codes = _unicode_codes(font)
                assert len(codes) == font["/LastChar"] + 1 == len(font["/Widths"])
                assert data == TTFontFace.makeSubset(face, codes)
                checked += 1
    assert checked == 3
    assert "ZOÉ OEUVRARD" in _text(second.pdf)
    assert "Cabinet Ærø" in _text(second.pdf)


def _unicode_codes(font: object) -> list[int]:
    """The characters of a simple font's codes 0…n, read back from its ToUnicode map."""
    cmap = font["/ToUnicode"].get_object().get_data().decode()  # type: ignore[index]
    chars = []
    for block in cmap.split("beginbfchar")[1:]:
        chars.extend(block.split("endbfchar")[0].split())
    pairs = [
        (int(chars[i].strip("<>"), 16), int(chars[i + 1].strip("<>"), 16))
        for i in range(0, len(chars), 2)
    ]
    assert [code for code, _ in pairs] == list(range(len(pairs)))
    return [char for _, char in pairs]


@pytest.mark.parametrize("kind", LETTERS, ids=str)
def test_a_letter_is_the_same_bytes_whatever_letters_came_before(
    kind: MessageKind, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a process keeps from letter to letter (font objects, widths, wrapped paragraphs)
    changes no byte of a PDF: a letter rendered after others, with other characters, is the one
    rendered by a process that kept nothing."""
    from notifications.adapters.rendering import letter as module

    context, _ = SAMPLES[kind]
    today = date(2026, 1, 15)
    render_letter(kind, {**context, "recipient_name": "Zoé Œuvrard Ğülşen"}, today)
    kept = render_letter(kind, context, today).pdf
    monkeypatch.setattr(module, "_faces", {})
    monkeypatch.setattr(module, "_WRAPPED", {})
    fresh = render_letter(kind, context, today).pdf
    assert module._faces  # parsed again, nothing kept
    assert kept == fresh


def test_a_letter_using_many_characters_embeds_several_subsets_and_reads_back_whole() -> None:
    """Beyond the 128 characters past ASCII that a font's first subset holds, the text goes on
    in a second subset of the same face: every character is drawn, and read back."""
    from notifications.adapters.rendering.letter import faces, printable

    available = sorted(c for c in faces()["DejaVuSans"].ttf.charToGlyph if 0x100 <= c < 0x250)
    name = "".join(chr(c) for c in available[:200])
    context, _ = SAMPLES[MessageKind.ACTIVATION_KEY_LETTER]
    letter = render_letter(
        MessageKind.ACTIVATION_KEY_LETTER,
        {**context, "cabinet_name": name},
        today=date(2026, 1, 15),
    )
    reader = PdfReader(BytesIO(letter.pdf), strict=True)
    regular = [
        str(ref.get_object()["/BaseFont"])
        for ref in reader.pages[0]["/Resources"]["/Font"].values()
        if str(ref.get_object()["/BaseFont"]).endswith("+DejaVuSans")
    ]
    assert len(regular) == 2
    assert printable(name) in "".join(_text(letter.pdf).split())


def test_a_letter_longer_than_a_page_goes_on_to_the_next() -> None:
    context, _ = SAMPLES[MessageKind.ACTIVATION_KEY_LETTER]
    long_name = " ".join(["Cabinet d'expertise comptable du Grand Sud-Ouest"] * 60)
    letter = render_letter(
        MessageKind.ACTIVATION_KEY_LETTER,
        {**context, "cabinet_name": long_name},
        today=date(2026, 1, 15),
    )
    reader = PdfReader(BytesIO(letter.pdf), strict=True)
    assert len(reader.pages) >= 2
    assert context["activation_key"] in _text(letter.pdf)
    assert "Cabinet d'expertise comptable du Grand Sud-Ouest" in reader.pages[1].extract_text()
