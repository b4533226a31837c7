"""The topic catalogue: every topic of the platform, its key, and who consumes it.

Topic creation (local stack, tests, production manifests) is generated from this table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DAY_MS = 24 * 3600 * 1000
RETENTION_DAYS = 30
"""How long a topic keeps its events: the window a service's database can be restored into
(its backups keep 30 days), so that its consumer groups, reset to the restore point, find
every event handled since (the inbox drops those the restored database still holds)."""
DLQ_RETENTION_DAYS = 30
"""Dead letters wait a month for an operator's replay (each service also keeps them in its
dead-letters table for 90 days)."""


@dataclass(frozen=True, slots=True)
class Topic:
    name: str
    key: str
    producer: str
    consumers: tuple[str, ...] = field(default=())
    partitions: int = 3
    description: str = ""
    retention_days: int = RETENTION_DAYS
    compacted: bool = False
    """Every event of the topic carries the whole state of its key, so the latest one per key
    is kept for ever (once ``retention_days`` old): a new consumer, or a read model rebuilt,
    reads the whole state from the topic's start."""

    def dlq(self, consumer: str) -> str:
        """The dead-letter topic of one consumer of this topic."""
        return f"{self.name}.{consumer}.dlq"

    def config(self) -> dict[str, str]:
        """The topic's Kafka configuration (``cleanup.policy`` and its time)."""
        window = str(self.retention_days * DAY_MS)
        if self.compacted:
            return {"cleanup.policy": "compact", "min.compaction.lag.ms": window}
        return {"cleanup.policy": "delete", "retention.ms": window}


DLQ_CONFIG = {"cleanup.policy": "delete", "retention.ms": str(DLQ_RETENTION_DAYS * DAY_MS)}


IDENTITY_AFFILIATE = Topic(
    "identity.affiliate",
    key="affiliate id",
    producer="identity",
    consumers=("mandates", "cotisations", "notifications", "attestations", "appointments"),
    description="Affiliates registry: registered, updated, radiated (event-carried state).",
    compacted=True,
)
IDENTITY_ACCOUNT = Topic(
    "identity.account",
    key="account id",
    producer="identity",
    consumers=("notifications", "mandates"),
    description="Assuré and cabinet user accounts: registration, activation, e-mail, password.",
)
IDENTITY_CABINET = Topic(
    "identity.cabinet",
    key="cabinet id",
    producer="identity",
    consumers=("mandates", "cotisations", "notifications", "attestations"),
    description="Accountant firms and their users.",
)
MANDATES_MANDATE = Topic(
    "mandates.mandate",
    key="affiliate id",
    producer="mandates",
    consumers=("cotisations", "identity", "notifications", "attestations"),
    description="Mandate lifecycle: requested, key issued, activated, locked, ended, deleted.",
)
MANDATES_PORTFOLIO = Topic(
    "mandates.portfolio",
    key="cabinet id",
    producer="mandates",
    consumers=("cotisations", "identity", "notifications", "attestations"),
    description="Portfolios and their subscribers.",
)
COTISATIONS_ACCOUNT = Topic(
    "cotisations.account",
    key="affiliate id",
    producer="cotisations",
    consumers=("notifications",),
    description="Contribution accounts: opened, estimate_applied, schedule_revised, ...",
)
COTISATIONS_PAYMENT = Topic(
    "cotisations.payment",
    key="affiliate id",
    producer="cotisations",
    consumers=("notifications", "attestations"),
    description="Payments of a contribution account: recorded, settled, rejected, direct-debit "
    "mandates signed/changed/revoked, debits pre-notified; each carries the account's standing. "
    "Telepayment mandates signed/revoked; payment-delay plans requested, granted, refused, ended.",
)
APPOINTMENTS_APPOINTMENT = Topic(
    "appointments.appointment",
    key="appointment id",
    producer="appointments",
    consumers=("notifications",),
    description="Appointments: requested, confirmed, rescheduled, reminder_due, cancelled, "
    "attended (done or no-show).",
)
APPOINTMENTS_AGENCY = Topic(
    "appointments.agency",
    key="agency id",
    producer="appointments",
    description="Agencies' reference data after each change: opening hours, closures, capacity.",
)
NOTIFICATIONS_DELIVERY = Topic(
    "notifications.delivery",
    key="message id",
    producer="notifications",
    consumers=("mandates",),
    description="Deliveries of mails and letters: sent, failed, letter status.",
)
PARTNERS_REGISTRY_AFFILIATION = Topic(
    "partners.registry.affiliation",
    key="SIREN",
    producer="partners",
    consumers=("identity",),
    description="Inbound feed from the business registry.",
)
PARTNERS_PENSIONS_PAYMENT = Topic(
    "partners.pensions.payment",
    key="pensioner id",
    producer="partners",
    consumers=("attestations",),
    description="Inbound feed from the pension fund: one record per pension payment.",
)
ATTESTATIONS_ATTESTATION = Topic(
    "attestations.attestation",
    key="affiliate id",
    producer="attestations",
    consumers=("notifications",),
    description="Certificates issued, revoked, expiring (for partners, content checked by code; "
    "notifications mails the renewal invitation).",
)
BANK_SEPA_RETURNS = Topic(
    "bank.sepa_returns",
    key="end-to-end id",
    producer="bank",
    consumers=("cotisations",),
    description="The bank's returns on SEPA direct debits: settled, or rejected with the reason.",
)

CATALOGUE: tuple[Topic, ...] = (
    IDENTITY_AFFILIATE,
    IDENTITY_ACCOUNT,
    IDENTITY_CABINET,
    MANDATES_MANDATE,
    MANDATES_PORTFOLIO,
    COTISATIONS_ACCOUNT,
    COTISATIONS_PAYMENT,
    APPOINTMENTS_APPOINTMENT,
    APPOINTMENTS_AGENCY,
    NOTIFICATIONS_DELIVERY,
    PARTNERS_REGISTRY_AFFILIATION,
    PARTNERS_PENSIONS_PAYMENT,
    BANK_SEPA_RETURNS,
    ATTESTATIONS_ATTESTATION,
)


def all_topic_names() -> list[str]:
    """Every topic to create: the catalogue and one DLQ per (topic, consumer)."""
    names: list[str] = []
    for topic in CATALOGUE:
        names.append(topic.name)
        names.extend(topic.dlq(consumer) for consumer in topic.consumers)
    return names


def topic_config(name: str) -> dict[str, str]:
    """The Kafka configuration of a topic of :func:`all_topic_names` (a DLQ's included)."""
    for topic in CATALOGUE:
        if name == topic.name:
            return topic.config()
        if name in {topic.dlq(consumer) for consumer in topic.consumers}:
            return dict(DLQ_CONFIG)
    raise KeyError(name)


def by_name(name: str) -> Topic:
    for topic in CATALOGUE:
        if topic.name == name:
            return topic
    raise KeyError(name)
