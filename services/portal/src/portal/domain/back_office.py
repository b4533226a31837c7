"""What the agents' pages show: a registry load's report in words, and the dead letters of a
service grouped by the topic they are replayed into."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ROW_STATUSES = {"accepted": "Acceptée", "refused": "Refusée"}
ROW_CHANGES = {
    "registered": "Affilié inscrit au registre",
    "updated": "Affilié mis à jour",
    "radiated": "Affilié radié",
    "unchanged": "Rien à changer : l'affilié est déjà ainsi",
}
REPLAY_STATES = {
    "pending": "en attente : le traitement des messages du service s'en charge dans quelques "
    "secondes",
    "done": "terminé",
    "failed": "échoué",
}
SERVICE_TITLES = {
    "identity": "Connexion et registre",
    "notifications": "Messages",
    "cotisations": "Cotisations",
    "mandates": "Mandats",
    "attestations": "Attestations",
    "appointments": "Rendez-vous",
}
REPLAY_ALL = 100_000
"""The most a replay moves at once (the operators' route's bound): « tout le sujet »."""


def service_title(service: str) -> str:
    """« Cotisations (cotisations) »: what a service does, and its name in the platform."""
    return f"{SERVICE_TITLES.get(service, service)} ({service})"


@dataclass(frozen=True)
class LoadCounts:
    rows: int
    accepted: int
    refused: int
    by_change: dict[str, int]


def load_counts(rows: list[dict[str, Any]]) -> LoadCounts:
    """How many rows of a registry load were accepted (and what each changed) or refused."""
    by_change: dict[str, int] = {}
    for row in rows:
        if row.get("status") == "accepted":
            change = str(row.get("change") or "unchanged")
            by_change[change] = by_change.get(change, 0) + 1
    accepted = sum(by_change.values())
    return LoadCounts(len(rows), accepted, len(rows) - accepted, by_change)


@dataclass
class TopicLetters:
    """A topic's dead letters in one service, oldest first: a replay moves them in this order."""

    topic: str
    letters: list[dict[str, Any]] = field(default_factory=list)


def by_topic(letters: list[dict[str, Any]]) -> list[TopicLetters]:
    grouped: dict[str, TopicLetters] = {}
    for letter in letters:
        topic = str(letter.get("topic") or "")
        grouped.setdefault(topic, TopicLetters(topic)).letters.append(letter)
    return sorted(grouped.values(), key=lambda t: t.topic)
