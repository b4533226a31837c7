"""Prometheus metrics shared by every process; each process serves them on ``/metrics``."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "http_requests_total", "HTTP requests", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "http_request_duration_seconds", "HTTP request latency", ["service", "method", "route"]
)
OUTBOX_BACKLOG = Gauge("outbox_backlog", "Outbox rows not yet published", ["service"])
OUTBOX_OLDEST_AGE = Gauge(
    "outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row", ["service"]
)
OUTBOX_PUBLISHED_TOTAL = Counter("outbox_published_total", "Outbox rows published", ["service"])
OUTBOX_PUBLISH_FAILURES = Counter(
    "outbox_publish_failures_total", "Failed outbox publish batches", ["service"]
)
OUTBOX_PRODUCER_RESTARTS = Counter(
    "outbox_producer_restarts_total", "Producers recreated by the relay", ["service"]
)
CONSUMER_HANDLED = Counter(
    "consumer_messages_total", "Messages handled", ["service", "consumer", "topic", "outcome"]
)
CONSUMER_LATENCY = Histogram(
    "consumer_handler_duration_seconds", "Handler latency", ["service", "consumer", "topic"]
)
CONSUMER_LAG = Histogram(
    "consumer_event_lag_seconds",
    "Time from the event's ce_time to its handling",
    ["service", "consumer", "topic"],
)
DLQ_MESSAGES = Counter("dlq_messages_total", "Messages sent to a DLQ", ["service", "consumer"])
INBOX_DUPLICATES = Counter(
    "inbox_duplicates_total", "Events a consumer had done before (redeliveries)", ["consumer"]
)
CONSUMER_OFFSET_LAG = Gauge(
    "consumer_lag_messages",
    "Messages of a partition not yet committed by the group (log end offset minus committed)",
    ["service", "group", "topic", "partition"],
)
CONSUMER_RETRYING = Gauge(
    "consumer_partition_retrying",
    "1 while a partition waits to retry a failed message (paused, backing off)",
    ["service", "group", "topic", "partition"],
)
CONSUMER_UNKNOWN_TYPES = Counter(
    "consumer_unknown_event_types_total",
    "Messages of a type no contract of this platform knows (skipped)",
    ["service", "group", "topic", "event_type"],
)
DEAD_LETTERS_STORED = Gauge(
    "dead_letters", "Dead letters of this service not replayed yet", ["service"]
)
OUTBOX_PARKED = Gauge("outbox_parked", "Outbox rows parked after repeated failures", ["service"])
OUTBOX_RELAY_LEADER = Gauge(
    "outbox_relay_leader", "1 while this relay holds the outbox lease", ["service"]
)
