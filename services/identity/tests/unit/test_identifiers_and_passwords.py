import pytest
from identity.adapters.security import Argon2PasswordHasher
from identity.domain.identifiers import normalize_siren, normalize_siret
from identity.domain.names import clean_name
from identity.domain.passwords import password_problems


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("73282932000074", "73282932000074"),
        ("732 829 320 00074", "73282932000074"),
        ("35600000000048", "35600000000048"),  # La Poste: sum of digits multiple of 5
    ],
)
def test_valid_sirets_are_normalised(raw: str, expected: str) -> None:
    assert normalize_siret(raw) == expected


@pytest.mark.parametrize(
    "raw", ["73282932000075", "1234", "abcdefghijklmn", "", "00000000000000", "00000000000018"]
)
def test_invalid_sirets_are_refused_in_french(raw: str) -> None:
    with pytest.raises(ValueError, match="SIRET"):
        normalize_siret(raw)


def test_short_and_common_passwords_are_refused() -> None:
    assert password_problems("court")
    assert password_problems("motdepasse123")
    assert password_problems("aaaaaaaaaaaaaaa")
    assert password_problems("Une phrase de passe solide") == []


def test_argon2_says_no_to_what_is_not_a_hash_instead_of_raising() -> None:
    hasher = Argon2PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    assert hasher.verify("!invited", "Une phrase de passe solide") is False
    assert hasher.verify(hasher.hash("Une phrase de passe solide"), "Une phrase de passe solide")


def test_an_all_zero_siren_is_refused() -> None:
    with pytest.raises(ValueError, match="SIREN"):
        normalize_siren("000000000")
    assert normalize_siren("732829320") == "732829320"


@pytest.mark.parametrize(
    "raw",
    [
        "A\rB",
        "A\nB",
        "A\x00B",
        "A\tB",
        "A\x7fB",
        "A\u2028B",
        "\u200b",
        "\ufeff\u200d",
        "\u3164",
        " ",
    ],
)
def test_names_with_control_or_only_invisible_characters_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="caractère"):
        clean_name(raw)


def test_ordinary_names_are_kept_trimmed() -> None:
    assert clean_name("  Lefèvre-Noël d'Arc ") == "Lefèvre-Noël d'Arc"
    assert clean_name("Nguyễn Thị") == "Nguyễn Thị"


def test_an_agents_name_is_checked_like_any_other(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from identity.entrypoints import agents

    monkeypatch.setenv("IDENTITY_AGENT_PASSWORD", "Une phrase de passe solide")
    assert agents.main(["agent@urssaf.example", "Agent\nForgé"]) == 2
    assert "caractère de contrôle" in capsys.readouterr().err
