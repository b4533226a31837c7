"""Delegated access as a component of its own: its rule (:mod:`.rule`), its read model
(:mod:`.tables`, :mod:`.read_model`), the object services ask (:mod:`.access`), how a worker
follows the events (:mod:`.subscriptions`) and its migrations (:mod:`.schema`)."""

from delegation.access import DelegatedAccess
from delegation.read_model import ACCESS_EVENT_TYPES, AccessReadModel, is_newer
from delegation.rule import Grant, acts_in_firm, decide, not_found
from delegation.subscriptions import Quarantine, follow_access
from delegation.tables import AccessTables, access_tables

__all__ = [
    "ACCESS_EVENT_TYPES",
    "AccessReadModel",
    "AccessTables",
    "DelegatedAccess",
    "Grant",
    "Quarantine",
    "access_tables",
    "acts_in_firm",
    "decide",
    "follow_access",
    "is_newer",
    "not_found",
]
