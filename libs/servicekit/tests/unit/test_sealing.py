import pytest
from servicekit.sealing import SealError, generate_keypair, seal, unseal


def test_a_sealed_secret_opens_only_with_the_matching_private_key() -> None:
    private, public = generate_keypair()
    other_private, _ = generate_keypair()
    sealed = seal(public, "https://example/activation?token=abc")
    assert "abc" not in sealed
    assert unseal(private, sealed) == "https://example/activation?token=abc"
    with pytest.raises(SealError):
        unseal(other_private, sealed)


def test_a_tampered_sealed_secret_is_refused() -> None:
    private, public = generate_keypair()
    sealed = seal(public, "secret")
    tampered = ("A" if sealed[10] != "A" else "B").join([sealed[:10], sealed[11:]])
    with pytest.raises(SealError):
        unseal(private, tampered)
