"""Security codes and the QR payload: signature, tampering, rotated keys."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from attestations.adapters.keys import KeyRing
from attestations.domain import codes, payload
from attestations.domain.model import Content
from attestations.verify import verify_payload

CONTENT = Content(
    kind="vigilance",
    title="Attestation de vigilance",
    holder="Jean Dupont",
    siren="732829320",
    period="du 10 mars 2026 au 10 septembre 2026",
    statement="est à jour de ses obligations de déclaration et de paiement",
    issued_on=date(2026, 3, 10),
    valid_until=date(2026, 9, 10),
)


def test_a_new_code_is_four_groups_of_four_from_the_activation_key_alphabet() -> None:
    code = codes.new_code()
    groups = code.split("-")
    assert [len(g) for g in groups] == [4, 4, 4, 4]
    assert set("".join(groups)) <= set(codes.ALPHABET)
    assert not set("01OIL") & set(code)
    assert codes.normalize(code.lower().replace("-", " ")) == code.replace("-", "")


def test_every_single_typo_and_neighbour_swap_in_a_code_is_caught() -> None:
    symbols = codes.normalize(codes.new_code())
    for i, ch in enumerate(symbols):
        for other in codes.ALPHABET:
            if other != ch:
                with pytest.raises(codes.CodeTypo):
                    codes.normalize(symbols[:i] + other + symbols[i + 1 :])
    for i in range(len(symbols) - 1):
        if symbols[i] != symbols[i + 1]:
            swapped = symbols[:i] + symbols[i + 1] + symbols[i] + symbols[i + 2 :]
            with pytest.raises(codes.CodeTypo):
                codes.normalize(swapped)


def _signed(ring: KeyRing, code: str = "ABCDEFGHJKMNPQRS") -> str:
    signed = payload.signing_input(ring.key_id, payload.claims_of(code, CONTENT))
    return payload.assemble(signed, ring.sign(signed.encode()))


def test_a_signed_payload_verifies_with_the_published_keys(tmp_path: Path) -> None:
    ring = KeyRing(tmp_path)
    ring.load()
    result = verify_payload(_signed(ring), ring.jwks())
    assert result.ok
    assert result.claims["h"] == "Jean Dupont"
    assert result.claims["c"] == "ABCD-EFGH-JKMN-PQRS"


def test_a_tampered_payload_fails(tmp_path: Path) -> None:
    ring = KeyRing(tmp_path)
    ring.load()
    good = _signed(ring)
    other = payload.parse(
        payload.assemble(
            payload.signing_input(
                ring.key_id, {**payload.claims_of("ABCDEFGHJKMNPQRS", CONTENT), "h": "Paul Martin"}
            ),
            b"\x00" * 64,
        )
    )
    forged = f"{other.signed}.{good.rsplit('.', 1)[1]}"
    assert not verify_payload(forged, ring.jwks()).ok
    flipped = good[:-3] + ("A" if good[-3] != "A" else "B") + good[-2:]
    assert not verify_payload(flipped, ring.jwks()).ok
    assert not verify_payload("not a payload", ring.jwks()).ok


def test_a_payload_signed_before_a_rotation_still_verifies(tmp_path: Path) -> None:
    ring = KeyRing(tmp_path)
    ring.load()
    old_kid = ring.key_id
    before = _signed(ring)
    new_kid = ring.rotate()
    assert new_kid != old_kid
    assert ring.key_id == new_kid
    after = _signed(ring)
    jwks = KeyRing(tmp_path).jwks()
    assert {k["kid"] for k in jwks["keys"]} == {old_kid, new_kid}
    assert verify_payload(before, jwks).ok
    assert verify_payload(after, jwks).ok


def test_a_payload_of_a_key_not_published_fails(tmp_path: Path) -> None:
    ring = KeyRing(tmp_path / "a")
    ring.load()
    stranger = KeyRing(tmp_path / "b")
    stranger.load()
    result = verify_payload(_signed(stranger), ring.jwks())
    assert not result.ok
    assert "clé" in result.reason


def test_processes_starting_together_make_one_first_key(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def start(_: int) -> str:
        ring = KeyRing(tmp_path / "signing")
        ring.load()
        return ring.key_id

    with ThreadPoolExecutor(max_workers=6) as pool:
        kids = set(pool.map(start, range(6)))
    assert len(kids) == 1
    assert len(list((tmp_path / "signing").glob("*.pem"))) == 1
