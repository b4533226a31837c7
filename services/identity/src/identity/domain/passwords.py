"""The password policy: a minimum length and no common password (SPEC.md 2.5)."""

from __future__ import annotations

MIN_LENGTH = 12
MAX_LENGTH = 128

# The most common passwords of public breach lists, and their obvious local variants.
COMMON_PASSWORDS = frozenset(
    p.lower()
    for p in (
        "123456789012",
        "1234567890123",
        "azertyuiop12",
        "azertyuiopqs",
        "motdepasse123",
        "motdepasse1234",
        "password1234",
        "password12345",
        "passwordpassword",
        "qwertyuiop12",
        "qwertyuiop123",
        "iloveyou1234",
        "111111111111",
        "000000000000",
        "123123123123",
        "abcdefghijkl",
        "soleil123456",
        "bonjour12345",
        "doudou123456",
        "marseille123",
        "motdepasse!!",
        "azerty123456",
        "azertyazerty",
        "changeme1234",
        "welcome12345",
        "administrateur",
        "1q2w3e4r5t6y",
        "football1234",
        "chocolat1234",
        "princesse123",
        "qwerty123456",
        "aaaaaaaaaaaa",
        "letmein12345",
        "monkey123456",
        "dragon123456",
        "sunshine1234",
        "superman1234",
        "trustno11234",
        "passw0rd1234",
        "p@ssw0rd1234",
        "Motdepasse1!",
        "Azerty123456!",
        "Password123!",
        "Bienvenue123",
        "bienvenue123",
        "expertcomptable",
        "comptable1234",
        "urssaf123456",
        "secu12345678",
        "0123456789ab",
    )
)


def password_problems(password: str) -> list[str]:
    """What is wrong with a password, in French; empty when it is acceptable."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Le mot de passe doit comporter au moins {MIN_LENGTH} caractères.")
    if len(password) > MAX_LENGTH:
        problems.append(f"Le mot de passe doit comporter au plus {MAX_LENGTH} caractères.")
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
        problems.append("Ce mot de passe est trop courant ; choisissez-en un autre.")
    return problems
