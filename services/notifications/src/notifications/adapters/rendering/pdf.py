"""A small PDF writer for letters: pages of text and framed boxes, in embedded TrueType subsets,
written straight to bytes.

reportlab builds a document model (dictionaries, arrays, streams as Python objects) and
serializes it for every letter; measured on the import of 10,000 clients, that was a third of
notifications' worker's time, for pages whose objects are nearly all the same from one letter
to the next. Here what letters share is made once per process and kept as bytes: for each
face and each subset of its characters, the font file (reportlab's own TrueType subset,
deflated), its descriptor, its widths and its ToUnicode map. A letter then costs its own
content stream (its text, deflated) and the few objects that tie the pages together.

reportlab stays the font library: it parses the TrueType files (:class:`TTFontFace`), gives
the advance widths and makes the subsets. What is written is a PDF 1.4 file of simple
TrueType fonts (``/Subtype /TrueType``, one byte per character), as reportlab writes them:

- a face's subset holds the ASCII characters at their own codes (the text stays readable in
  the content stream, a space is code 32), then the other characters the document uses, in
  code point order, from 128 on; beyond 128 of them, more subsets of 256. When a face uses
  any character beyond ASCII, the accented letters of French are added to its first subset:
  letters that differ only by a name then share their font objects, and the cache holds a
  few subsets instead of one per name;
- each subset is embedded as ``/FontFile2`` with ``/Length1`` (the subset's own length) and a
  ``/ToUnicode`` map, so that the text can be extracted and searched;
- the bytes of a document depend only on what is drawn on it: the subset's tag (the six
  letters before ``+``) is derived from its characters, the document id from its content,
  and its date is the day it is dated.
"""

from __future__ import annotations

import hashlib
import threading
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from reportlab.pdfbase.ttfonts import FF_NONSYMBOLIC, FF_SYMBOLIC, TTFontFace

ASCII = tuple(range(128))
FIRST_SUBSET_EXTRAS = 128
"""Characters beyond ASCII the first subset holds (codes 128–255); the next hold 256."""
FRENCH = frozenset(map(ord, "àâäçéèêëîïôöùûüÿÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸ«»°"))
"""Added to a face's first subset as soon as it uses a character beyond ASCII."""
SUBSETS_KEPT = 64
"""Subsets whose objects a face keeps, at most; beyond, it starts again."""
WIDTHS_KEPT = 20_000
"""Measured strings (words, mostly) whose widths a face keeps, at most."""


def _number(value: float) -> bytes:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return b"0" if text in ("", "-0") else text.encode()


def _escape_table() -> tuple[bytes, ...]:
    table = []
    for code in range(256):
        if 32 <= code < 127 and code not in b"()\\":
            table.append(bytes([code]))
        else:
            table.append(b"\\%03o" % code)
    return tuple(table)


_ESCAPED = _escape_table()


def _pdf_string(codes: Iterable[int]) -> bytes:
    return b"(" + b"".join(_ESCAPED[c] for c in codes) + b")"


def _text_string(text: str) -> bytes:
    """A document-information string: ASCII as it is, anything else in UTF-16BE."""
    if text.isascii():
        return _pdf_string(text.encode())
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"


def _stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (dictionary, len(data), data)


@dataclass(frozen=True)
class _Subset:
    """One subset of a face, its objects as bytes: the font's dictionary and its descriptor
    take the object numbers they point to (``%d``); the font file and the ToUnicode map are
    whole."""

    font: bytes
    descriptor: bytes
    font_file: bytes
    to_unicode: bytes
    escaped: dict[int, str]
    """Each character's code, as written in a string (for ``str.translate``)."""


def _tag(face: bytes, subset: Sequence[int]) -> bytes:
    """Six capital letters naming a subset of a face (the same subset, the same tag)."""
    digest = hashlib.blake2s(face + repr(tuple(subset)).encode(), digest_size=6).digest()
    return bytes(65 + b % 26 for b in digest)


def _to_unicode(name: bytes, subset: Sequence[int]) -> bytes:
    """The ToUnicode CMap of a simple font's codes 0…n (at most 100 entries a block)."""
    entries = [b"<%02X> <%04X>" % (code, char) for code, char in enumerate(subset)]
    blocks = []
    for start in range(0, len(entries), 100):
        chunk = entries[start : start + 100]
        blocks.append(b"%d beginbfchar\n%s\nendbfchar" % (len(chunk), b"\n".join(chunk)))
    return b"\n".join(
        [
            b"/CIDInit /ProcSet findresource begin",
            b"12 dict begin",
            b"begincmap",
            b"/CIDSystemInfo << /Registry (%s) /Ordering (%s) /Supplement 0 >> def" % (name, name),
            b"/CMapName /%s def" % name,
            b"/CMapType 2 def",
            b"1 begincodespacerange\n<00> <%02X>\nendcodespacerange" % (len(subset) - 1),
            *blocks,
            b"endcmap",
            b"CMapName currentdict /CMap defineresource pop",
            b"end",
            b"end",
        ]
    )


class Face:
    """A TrueType face, parsed once, with the objects of the subsets it embedded kept."""

    def __init__(self, path: str) -> None:
        self.ttf = TTFontFace(path)
        self.name: bytes = self.ttf.name + self.ttf.subfontNameX
        self._kept: dict[tuple[int, ...], _Subset] = {}
        self._widths: dict[str, float] = {}
        self._lock = threading.Lock()

    def width(self, text: str, size: float) -> float:
        """``text``'s advance width in points at ``size`` points (the widths of the words a
        process measures are kept: letters are mostly the same words)."""
        units = self._widths.get(text)
        if units is None:
            widths, default = self.ttf.charWidths, self.ttf.defaultWidth
            units = float(sum(widths.get(ord(c), default) for c in text))
            if len(self._widths) >= WIDTHS_KEPT:
                self._widths.clear()
            self._widths[text] = units
        return units * size / 1000

    def subsets(self, chars: Iterable[int]) -> list[tuple[int, ...]]:
        """The subsets a document whose text uses ``chars`` in this face embeds."""
        extras = {c for c in chars if c >= 128}
        if extras:
            extras |= FRENCH
        ordered = sorted(extras)
        first = ASCII + tuple(ordered[:FIRST_SUBSET_EXTRAS])
        rest = ordered[FIRST_SUBSET_EXTRAS:]
        return [first, *(tuple(rest[i : i + 256]) for i in range(0, len(rest), 256))]

    def objects(self, subset: tuple[int, ...]) -> _Subset:
        made = self._kept.get(subset)
        if made is None:
            made = self._make(subset)
            with self._lock:
                if len(self._kept) >= SUBSETS_KEPT:
                    self._kept.clear()
                self._kept[subset] = made
        return made

    def _make(self, subset: tuple[int, ...]) -> _Subset:
        ttf = self.ttf
        base = _tag(self.name, subset) + b"+" + self.name
        raw = ttf.makeSubset(list(subset))
        font_file = _stream(b"/Filter /FlateDecode /Length1 %d" % len(raw), zlib.compress(raw))
        to_unicode = _stream(b"/Filter /FlateDecode", zlib.compress(_to_unicode(base, subset)))
        flags = (ttf.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC
        bbox = b" ".join(_number(v) for v in ttf.bbox)
        descriptor = (
            b"<< /Type /FontDescriptor /FontName /%s /Flags %d /FontBBox [%s] /ItalicAngle %s"
            b" /Ascent %s /Descent %s /CapHeight %s /StemV %s /MissingWidth %s"
            % (
                base,
                flags,
                bbox,
                _number(ttf.italicAngle),
                _number(ttf.ascent),
                _number(ttf.descent),
                _number(ttf.capHeight),
                _number(ttf.stemV),
                _number(ttf.defaultWidth),
            )
        )
        widths = b" ".join(_number(ttf.getCharWidth(c)) for c in subset)
        font = b"<< /Type /Font /Subtype /TrueType /BaseFont /%s /FirstChar 0 /LastChar %d" % (
            base,
            len(subset) - 1,
        )
        font += b" /Widths [%s]" % widths
        return _Subset(
            font=font.replace(b"%", b"%%") + b" /FontDescriptor %d 0 R /ToUnicode %d 0 R >>",
            descriptor=descriptor.replace(b"%", b"%%") + b" /FontFile2 %d 0 R >>",
            font_file=font_file,
            to_unicode=to_unicode,
            escaped={c: _ESCAPED[code].decode() for code, c in enumerate(subset)},
        )


@dataclass(frozen=True)
class _Text:
    face: str
    size: float
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class _Box:
    x: float
    y: float
    width: float
    height: float
    line_width: float


class Document:
    """Pages drawn in PDF points from the bottom left corner, written by :meth:`pdf`."""

    def __init__(self, width: float, height: float, faces: dict[str, Face]) -> None:
        self.width, self.height = width, height
        self._faces = faces
        self._pages: list[list[_Text | _Box]] = [[]]
        self._face, self._size, self._line_width = "", 10.0, 1.0

    def set_font(self, face: str, size: float) -> None:
        if face not in self._faces:
            raise KeyError(f"unknown face {face}")
        self._face, self._size = face, size

    def set_line_width(self, width: float) -> None:
        self._line_width = width

    def string_width(self, text: str) -> float:
        """``text``'s width in points in the current font."""
        return self._faces[self._face].width(text, self._size)

    def text(self, x: float, y: float, text: str) -> None:
        self._pages[-1].append(_Text(self._face, self._size, x, y, text))

    def right_text(self, x: float, y: float, text: str) -> None:
        self.text(x - self.string_width(text), y, text)

    def centred_text(self, x: float, y: float, text: str) -> None:
        self.text(x - self.string_width(text) / 2, y, text)

    def box(self, x: float, y: float, width: float, height: float) -> None:
        self._pages[-1].append(_Box(x, y, width, height, self._line_width))

    def new_page(self) -> None:
        self._pages.append([])

    def pdf(self, *, title: str, creator: str, dated: date) -> bytes:
        """The whole file. A page left empty at the end is not written."""
        pages = [page for i, page in enumerate(self._pages) if page or i == 0]
        codes, resources = self._encoding(pages)
        writer = _Writer()
        catalog, info, root = writer.reserve(), writer.reserve(), writer.reserve()
        font_refs: list[tuple[bytes, int]] = []
        for name, (face, subset) in resources.items():
            objects = self._faces[face].objects(subset)
            font, descriptor, font_file, to_unicode = (writer.reserve() for _ in range(4))
            writer.put(font, objects.font % (descriptor, to_unicode))
            writer.put(descriptor, objects.descriptor % font_file)
            writer.put(font_file, objects.font_file, identifying=False)  # named by the font
            writer.put(to_unicode, objects.to_unicode, identifying=False)
            font_refs.append((name, font))
        fonts = b" ".join(b"/%s %d 0 R" % (name, ref) for name, ref in font_refs)
        media = b"[0 0 %s %s]" % (_number(self.width), _number(self.height))
        kids = []
        for page in pages:
            ref, contents = writer.reserve(), writer.reserve()
            content = zlib.compress(self._content(page, codes))
            writer.put(contents, _stream(b"/Filter /FlateDecode", content))
            writer.put(
                ref,
                b"<< /Type /Page /Parent %d 0 R /MediaBox %s /Resources << /Font << %s >>"
                b" /ProcSet [/PDF /Text] >> /Contents %d 0 R >>" % (root, media, fonts, contents),
            )
            kids.append(ref)
        writer.put(
            root,
            b"<< /Type /Pages /Kids [%s] /Count %d >>"
            % (b" ".join(b"%d 0 R" % k for k in kids), len(kids)),
        )
        writer.put(catalog, b"<< /Type /Catalog /Pages %d 0 R >>" % root)
        writer.put(
            info,
            b"<< /Title %s /Creator %s /Producer %s /CreationDate (D:%s) >>"
            % (
                _text_string(title),
                _text_string(creator),
                _text_string(creator),
                dated.strftime("%Y%m%d").encode(),
            ),
        )
        return writer.file(catalog, info)

    def _encoding(
        self, pages: list[list[_Text | _Box]]
    ) -> tuple[dict[str, _Codes], dict[bytes, tuple[str, tuple[int, ...]]]]:
        """For each face, how its characters are shown; the font resources by name."""
        used: dict[str, list[str]] = {}
        for page in pages:
            for item in page:
                if isinstance(item, _Text):
                    used.setdefault(item.face, []).append(item.text)
        codes: dict[str, _Codes] = {}
        resources: dict[bytes, tuple[str, tuple[int, ...]]] = {}
        for face in sorted(used):
            program = self._faces[face]
            subsets = program.subsets(map(ord, set("".join(used[face]))))
            names = []
            for subset in subsets:
                names.append(b"F%d" % (len(resources) + 1))
                resources[names[-1]] = (face, subset)
            codes[face] = _Codes(names, subsets, program.objects(subsets[0]).escaped)
        return codes, resources

    def _content(self, page: list[_Text | _Box], codes: dict[str, _Codes]) -> bytes:
        out: list[bytes] = []
        for item in page:
            if isinstance(item, _Box):
                out.append(
                    b"%s w %s %s %s %s re S"
                    % (
                        _number(item.line_width),
                        _number(item.x),
                        _number(item.y),
                        _number(item.width),
                        _number(item.height),
                    )
                )
                continue
            parts = [b"BT 1 0 0 1 %s %s Tm" % (_number(item.x), _number(item.y))]
            parts.extend(codes[item.face].show(item.text, _number(item.size)))
            parts.append(b"ET")
            out.append(b" ".join(parts))
        return b"\n".join(out)


class _Codes:
    """How one face's characters are shown in a document: its font resources and, for each
    character, the resource and the (escaped) code it has there."""

    def __init__(
        self, names: list[bytes], subsets: list[tuple[int, ...]], escaped: dict[int, str]
    ) -> None:
        self._names = names
        self._single = len(subsets) == 1
        self._escaped = escaped
        self._where = (
            {}
            if self._single
            else {
                char: (name, code)
                for name, subset in zip(names, subsets, strict=True)
                for code, char in enumerate(subset)
            }
        )

    def show(self, text: str, size: bytes) -> list[bytes]:
        """The operators that show ``text`` at ``size``: one string when the face has one
        subset in the document, else a run per subset."""
        if self._single:
            shown = text.translate(self._escaped).encode("latin-1")
            return [b"/%s %s Tf (%s) Tj" % (self._names[0], size, shown)]
        parts: list[bytes] = []
        run: list[int] = []
        current: bytes | None = None
        for char in map(ord, text):
            name, code = self._where[char]
            if name != current:
                if run:
                    parts.append(_pdf_string(run) + b" Tj")
                    run = []
                parts.append(b"/%s %s Tf" % (name, size))
                current = name
            run.append(code)
        if run:
            parts.append(_pdf_string(run) + b" Tj")
        return parts


class _Writer:
    """Numbered objects, written in the order they are put, with their cross-reference table."""

    def __init__(self) -> None:
        self._next = 1
        self._objects: dict[int, bytes] = {}
        self._identity = hashlib.md5(usedforsecurity=False)

    def reserve(self) -> int:
        number = self._next
        self._next += 1
        return number

    def put(self, number: int, body: bytes, *, identifying: bool = True) -> None:
        """``identifying``: part of what the document's id is made from (a font file is not:
        the subset's name, in the font's dictionary, says which it is)."""
        self._objects[number] = body
        if identifying:
            self._identity.update(b"%d:%s" % (number, body))

    def file(self, root: int, info: int) -> bytes:
        chunks = [b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"]
        offsets = [0] * self._next
        position = len(chunks[0])
        for number in sorted(self._objects):
            chunk = b"%d 0 obj\n%s\nendobj\n" % (number, self._objects[number])
            offsets[number] = position
            position += len(chunk)
            chunks.append(chunk)
        body = b"".join(chunks)
        ident = self._identity.hexdigest().upper().encode()
        xref = [b"xref\n0 %d\n0000000000 65535 f \n" % self._next]
        xref.extend(b"%010d 00000 n \n" % offset for offset in offsets[1:])
        trailer = b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [<%s> <%s>] >>\n" % (
            self._next,
            root,
            info,
            ident,
            ident,
        )
        return body + b"".join(xref) + trailer + b"startxref\n%d\n%%%%EOF\n" % position
