"""Each service's Kafka permissions, derived from the topic catalogue — the same table the
production manifests' users are written from.

A service's principal (named after the service) may:
- write the topics it produces, and the dead-letter topics of its consumers;
- read the topics it consumes, and write them too (an operator's replay moves dead letters
  back to their topic), and read its dead-letter topics (the replay reads them);
- use the consumer groups named ``<service>.…`` (a prefixed ACL).
Nothing else: every other topic and group is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts.topics import CATALOGUE


@dataclass(frozen=True)
class ServiceAcls:
    principal: str
    topics: tuple[str, ...]
    group_prefix: str


def service_acls(service: str) -> ServiceAcls:
    topics: set[str] = set()
    for topic in CATALOGUE:
        if topic.producer == service:
            topics.add(topic.name)
        if service in topic.consumers:
            topics.update((topic.name, topic.dlq(service)))
    return ServiceAcls(service, tuple(sorted(topics)), f"{service}.")


def acl_commands(acls: ServiceAcls) -> list[list[str]]:
    """The ``AclCommand`` arguments that grant ``acls`` (topics, then groups)."""
    principal = f"User:{acls.principal}"
    topic_args = [arg for topic in acls.topics for arg in ("--topic", topic)]
    return [
        [
            "--add",
            "--allow-principal",
            principal,
            "--operation",
            "Read",
            "--operation",
            "Write",
            "--operation",
            "Describe",
            *topic_args,
        ],
        [
            "--add",
            "--allow-principal",
            principal,
            "--operation",
            "Read",
            "--operation",
            "Describe",
            "--group",
            acls.group_prefix,
            "--resource-pattern-type",
            "prefixed",
        ],
    ]


ACL_COMMAND = "org.apache.kafka.tools.AclCommand"
