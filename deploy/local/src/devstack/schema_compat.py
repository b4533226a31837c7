"""Is a new version of a payload schema an additive change of the old one?

Additive means: every property of the old schema is still there with the same definition
(descriptions, titles and examples may change), and the set of required properties is the
same (a new property must be optional; an old one may not become optional, since consumers
rely on it).
"""

from __future__ import annotations

from typing import Any

_COSMETIC = frozenset({"description", "title", "examples"})


def _strip(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {k: _strip(v) for k, v in schema.items() if k not in _COSMETIC}
    if isinstance(schema, list):
        return [_strip(v) for v in schema]
    return schema


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    old_props: dict[str, Any] = old.get("properties", {})
    new_props: dict[str, Any] = new.get("properties", {})
    for name, definition in old_props.items():
        if name not in new_props:
            problems.append(f"property '{name}' was removed")
        elif _strip(definition) != _strip(new_props[name]):
            problems.append(f"property '{name}' changed its definition")
    old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
    for name in sorted(new_required - old_required):
        problems.append(f"property '{name}' became required")
    for name in sorted(old_required - new_required):
        problems.append(f"property '{name}' is no longer required")
    old_defs: dict[str, Any] = old.get("$defs", {})
    new_defs: dict[str, Any] = new.get("$defs", {})
    for name, definition in old_defs.items():
        if name not in new_defs:
            problems.append(f"definition '{name}' was removed")
        else:
            problems.extend(f"{name}: {p}" for p in breaking_changes(definition, new_defs[name]))
    return problems
