"""The generated manifests: committed as generated, and faithful to the catalogue, the ACLs
and the workers' consumer groups."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from contracts.topics import CATALOGUE, DAY_MS, DLQ_CONFIG, all_topic_names
from devstack import k8s_gen
from devstack.acls import service_acls
from devstack.services import SERVICES

BASE = Path(__file__).resolve().parents[2] / "deploy" / "k8s" / "base"


def of_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


def drifted(generated: dict[str, str], base: Path) -> list[str]:
    return sorted(
        relative
        for relative, text in generated.items()
        if not (base / relative).is_file() or (base / relative).read_text() != text
    )


def test_the_committed_files_are_the_generated_ones() -> None:
    assert drifted(k8s_gen.generate(), BASE) == [], (
        "run `python -m devstack.k8s_gen` and commit the result"
    )


def test_a_generated_file_edited_by_hand_is_drift(tmp_path: Path) -> None:
    generated = k8s_gen.generate()
    k8s_gen.write(generated, tmp_path)
    assert drifted(generated, tmp_path) == []
    target = tmp_path / "kafka" / "topics.yaml"
    target.write_text(target.read_text().replace("partitions: 3", "partitions: 1", 1))
    assert drifted(generated, tmp_path) == ["kafka/topics.yaml"]


def topics_by_name(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {t["spec"]["topicName"]: t for t in of_kind(docs, "KafkaTopic")}


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_every_catalogue_topic_and_dead_letter_topic_has_its_kafka_topic(
    rendered: dict[str, list[dict[str, Any]]], overlay: str
) -> None:
    topics = topics_by_name(rendered[overlay])
    assert sorted(topics) == sorted(all_topic_names())
    for topic in CATALOGUE:
        assert topics[topic.name]["spec"]["partitions"] >= topic.partitions
        assert topics[topic.name]["spec"]["config"] == topic.config()
        for consumer in topic.consumers:
            dlq = topics[topic.dlq(consumer)]
            assert dlq["metadata"]["labels"]["mon-compte/topic-kind"] == "dead-letter"
            assert dlq["spec"]["config"] == DLQ_CONFIG


def test_the_registry_is_compacted_and_every_other_topic_outlives_the_backups(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    """The registry's events carry an affiliate's whole state: the latest of each is kept
    for ever; every other topic keeps its events at least as long as a database can be
    restored back (30 days of backups), so its consumers can be reset to the restore point."""
    backups = {
        int(c["spec"]["backup"]["retentionPolicy"].removesuffix("d"))
        for c in of_kind(rendered["prod"], "Cluster")
    }
    configs = {n: t["spec"]["config"] for n, t in topics_by_name(rendered["prod"]).items()}
    assert configs["identity.affiliate"]["cleanup.policy"] == "compact"
    compacted = {n for n, c in configs.items() if c["cleanup.policy"] != "delete"}
    assert compacted == {"identity.affiliate"}
    window = max(backups) * DAY_MS
    for name, config in configs.items():
        kept = config.get("retention.ms") or config["min.compaction.lag.ms"]
        assert int(kept) >= window, name


def test_every_topic_is_replicated_in_production_and_once_in_development(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    prod = {t["spec"]["replicas"] for t in of_kind(rendered["prod"], "KafkaTopic")}
    dev = {t["spec"]["replicas"] for t in of_kind(rendered["dev"], "KafkaTopic")}
    brokers = sum(
        p["spec"]["replicas"]
        for p in of_kind(rendered["prod"], "KafkaNodePool")
        if "broker" in p["spec"]["roles"]
    )
    assert prod == {brokers}
    assert dev == {1}


def acl_set(user: dict[str, Any]) -> set[tuple[str, str, str, tuple[str, ...]]]:
    return {
        (
            rule["resource"]["type"],
            rule["resource"]["name"],
            rule["resource"]["patternType"],
            tuple(sorted(rule["operations"])),
        )
        for rule in user["spec"]["authorization"]["acls"]
        if rule["type"] == "allow"
    }


def test_every_service_has_its_kafka_user_with_exactly_its_acls(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    users = {u["metadata"]["name"]: u for u in of_kind(rendered["prod"], "KafkaUser")}
    assert sorted(users) == sorted(spec.name for spec in SERVICES)
    for spec in SERVICES:
        acls = service_acls(spec.name)
        user = users[acls.principal]
        assert user["spec"]["authentication"]["type"] == "scram-sha-512"
        expected = {("topic", t, "literal", ("Describe", "Read", "Write")) for t in acls.topics}
        expected.add(("group", acls.group_prefix, "prefix", ("Describe", "Read")))
        assert acl_set(user) == expected


def test_every_consumer_group_of_a_worker_is_scaled_on_and_allowed(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    scaled = {s["metadata"]["name"]: s for s in of_kind(rendered["prod"], "ScaledObject")}
    users = {u["metadata"]["name"]: u for u in of_kind(rendered["prod"], "KafkaUser")}
    for spec in SERVICES:
        groups = k8s_gen.consumer_groups(spec.name)
        consumed = {t.name for t in CATALOGUE if spec.name in t.consumers}
        # the worker's subscriptions (its AsyncAPI document) are what the catalogue says
        assert {t for topics in groups.values() for t in topics} == consumed
        if not groups:
            assert f"{spec.name}-worker" not in scaled
            continue
        triggers = scaled[f"{spec.name}-worker"]["spec"]["triggers"]
        assert sorted(t["metadata"]["consumerGroup"] for t in triggers) == sorted(groups)
        prefixes = {
            r["resource"]["name"]
            for r in users[spec.name]["spec"]["authorization"]["acls"]
            if r["resource"]["type"] == "group"
        }
        assert all(any(g.startswith(p) for p in prefixes) for g in groups)


def test_a_worker_never_scales_past_the_partitions_nor_below_one(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    topics = topics_by_name(rendered["prod"])
    for scaled in of_kind(rendered["prod"], "ScaledObject"):
        service = scaled["metadata"]["name"].removesuffix("-worker")
        groups = k8s_gen.consumer_groups(service)
        most = max(topics[t]["spec"]["partitions"] for ts in groups.values() for t in ts)
        assert scaled["spec"]["minReplicaCount"] == 1
        assert scaled["spec"]["maxReplicaCount"] == most


def test_every_service_has_its_database_with_backups(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    for overlay, instances in (("prod", 3), ("dev", 1)):
        clusters = {c["metadata"]["name"]: c for c in of_kind(rendered[overlay], "Cluster")}
        backups = {
            b["spec"]["cluster"]["name"] for b in of_kind(rendered[overlay], "ScheduledBackup")
        }
        assert sorted(clusters) == sorted(f"{s.name}-db" for s in SERVICES)
        assert set(clusters) == backups
        for cluster in clusters.values():
            assert cluster["spec"]["instances"] == instances
            assert cluster["spec"]["backup"]["barmanObjectStore"]["destinationPath"]


def test_kafka_runs_in_kraft_mode_on_node_pools(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    for overlay, pools in (
        ("prod", {("controller",): 3, ("broker",): 3}),
        ("dev", {("broker", "controller"): 1}),
    ):
        (kafka,) = of_kind(rendered[overlay], "Kafka")
        assert kafka["metadata"]["annotations"] == {
            "strimzi.io/node-pools": "enabled",
            "strimzi.io/kraft": "enabled",
        }
        (listener,) = kafka["spec"]["kafka"]["listeners"]
        assert listener["tls"] is True
        assert listener["authentication"]["type"] == "scram-sha-512"
        assert kafka["spec"]["kafka"]["authorization"]["type"] == "simple"
        found = {
            tuple(sorted(p["spec"]["roles"])): p["spec"]["replicas"]
            for p in of_kind(rendered[overlay], "KafkaNodePool")
        }
        assert found == pools


def test_the_mails_links_open_pages_the_portal_serves(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    """In production the portal is the site at the platform's address: the activation,
    password-reset, e-mail confirmation and appointment links of the mails open its pages (a
    form there)."""
    from urllib.parse import urlsplit

    from portal.bootstrap import bootstrap
    from portal.config import PortalSettings
    from portal.entrypoints.http import create_app
    from starlette.routing import Match

    app = create_app(bootstrap(PortalSettings()))

    def a_page(path: str) -> bool:
        scope = {"type": "http", "method": "GET", "path": path, "root_path": "", "headers": []}
        return any(route.matches(scope)[0] is Match.FULL for route in app.router.routes)

    assert not a_page("/no-such-page")

    settings: dict[str, str] = {}
    for doc in rendered["prod"]:
        if doc["kind"] == "ConfigMap" and doc["metadata"]["name"].endswith("-settings"):
            settings.update(doc.get("data", {}))
    links = {
        name: settings[name]
        for name in (
            "IDENTITY_ACTIVATION_URL",
            "IDENTITY_PASSWORD_RESET_URL",
            "IDENTITY_EMAIL_CONFIRMATION_URL",
            "APPOINTMENTS_MANAGE_URL",
        )
    }
    for name, url in links.items():
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}" == k8s_gen.PUBLIC_URL, name
        assert a_page(parts.path), f"{name}: {parts.path} is no page of the portal"
