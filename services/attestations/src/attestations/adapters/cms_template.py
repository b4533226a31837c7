"""The PAdES seal's CMS container, built once by pyHanko and then reassembled per document.

For one key, one certificate and one digest algorithm, the container pyHanko builds for a
PAdES signature differs from one document to the next in two places only: the document's
digest (the ``message-digest`` signed attribute) and the signature over the signed attributes.
PAdES leaves the signing time out of those attributes (it is the signature dictionary's
``/M``), and the other attributes it puts there are functions of the key, the certificate and
the algorithm: the content type, the CMS algorithm protection and the signing certificate's
hash.

``TemplateSigner`` lets pyHanko build the first container, keeps its parts as DER, and makes
each later one from those parts around the new digest and signature: a few byte joins instead
of asn1crypto building the whole tree again (about two thirds of sealing a certificate).

The fast path is taken only when it is provably the same container: the first one rebuilds
byte for byte from its parts, it holds nothing but the attributes named above, no unsigned
attribute, one signer, and the call asks for nothing else (no dry run, no timestamp, no other
content). Anything else goes through pyHanko as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from asn1crypto import cms, core
from pyhanko.sign import signers

CONSTANT_ATTRIBUTES = frozenset(
    {"content_type", "message_digest", "cms_algorithm_protection", "signing_certificate_v2"}
)
"""The signed attributes that do not change between two seals, but for the digest's value."""


def tlv(tag: int, content: bytes) -> bytes:
    """One DER element: its tag, its length (short or long form) and its content."""
    size = len(content)
    if size < 0x80:
        return bytes((tag, size)) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(length))) + length + content


@dataclass(frozen=True, slots=True)
class Template:
    """A container's constant parts, in DER."""

    attributes_head: bytes
    """The signed attributes (as the SET that is signed) up to the document's digest."""
    attributes_tail: bytes
    signer_head: bytes
    """The SignerInfo's version, signer identifier and digest algorithm."""
    signature_algorithm: bytes
    signed_data_head: bytes
    """The SignedData's version, digest algorithms, encapsulated content and certificates."""
    content_type: bytes

    def signed_attributes(self, digest: bytes) -> bytes:
        return self.attributes_head + digest + self.attributes_tail

    def container(self, signed_attributes: bytes, signature: bytes) -> bytes:
        implicit = b"\xa0" + signed_attributes[1:]  # [0] IMPLICIT inside the SignerInfo
        signer = self.signer_head + implicit + self.signature_algorithm + tlv(0x04, signature)
        signed_data = tlv(0x30, self.signed_data_head + tlv(0x31, tlv(0x30, signer)))
        return tlv(0x30, self.content_type + tlv(0xA0, signed_data))


def template_of(info: cms.ContentInfo, digest: bytes) -> Template | None:
    """The constant parts of a container pyHanko built for ``digest``, or None when it is not
    one this module can rebuild exactly."""
    signed_data = info["content"]
    signer_infos = signed_data["signer_infos"]
    if len(signer_infos) != 1 or not isinstance(signed_data["crls"], core.Void):
        return None
    signer = signer_infos[0]
    if not isinstance(signer["unsigned_attrs"], core.Void):
        return None
    kinds = {attribute["type"].native for attribute in signer["signed_attrs"]}
    if not kinds <= CONSTANT_ATTRIBUTES:
        return None
    attributes = b"\x31" + signer["signed_attrs"].dump()[1:]  # the SET form, as signed
    if attributes.count(digest) != 1:
        return None
    head, tail = attributes.split(digest)
    template = Template(
        attributes_head=head,
        attributes_tail=tail,
        signer_head=b"".join(signer[k].dump() for k in ("version", "sid", "digest_algorithm")),
        signature_algorithm=signer["signature_algorithm"].dump(),
        signed_data_head=b"".join(
            signed_data[k].dump()
            for k in ("version", "digest_algorithms", "encap_content_info", "certificates")
        ),
        content_type=info["content_type"].dump(),
    )
    if template.container(attributes, signer["signature"].native) != info.dump():
        return None
    return template


class TemplateSigner(signers.SimpleSigner):  # type: ignore[misc]
    """pyHanko's ``SimpleSigner`` whose later PAdES containers reuse the first one's parts."""

    def __init__(self, loaded: signers.SimpleSigner) -> None:
        super().__init__(
            signing_cert=loaded.signing_cert,
            signing_key=loaded.signing_key,
            cert_registry=loaded.cert_registry,
        )
        self._templates: dict[tuple[str, bool], Template | None] = {}

    async def async_sign(  # type: ignore[override]
        self,
        data_digest: bytes,
        digest_algorithm: str,
        dry_run: bool = False,
        use_pades: bool = False,
        timestamper: Any = None,
        signed_attr_settings: Any = None,
        is_pdf_sig: bool = True,
        encap_content_info: Any = None,
    ) -> cms.ContentInfo:
        plain = (
            not dry_run
            and timestamper is None
            and encap_content_info is None
            and is_pdf_sig
            and getattr(signed_attr_settings, "cades_signed_attrs", None) is None
            and getattr(signed_attr_settings, "adobe_revinfo_attr", None) is None
        )
        key = (digest_algorithm.lower(), use_pades)
        template = self._templates.get(key) if plain else None
        if template is None:
            info: cms.ContentInfo = await super().async_sign(
                data_digest,
                digest_algorithm,
                dry_run=dry_run,
                use_pades=use_pades,
                timestamper=timestamper,
                signed_attr_settings=signed_attr_settings,
                is_pdf_sig=is_pdf_sig,
                encap_content_info=encap_content_info,
            )
            if plain and key not in self._templates:
                self._templates[key] = template_of(info, data_digest)
            return info
        attributes = template.signed_attributes(data_digest)
        signature: bytes = await self.async_sign_raw(attributes, key[0])
        return cms.ContentInfo.load(template.container(attributes, signature))

    @property
    def templated(self) -> bool:
        """Whether a container was taken as a template (later seals take the fast path)."""
        return any(template is not None for template in self._templates.values())
