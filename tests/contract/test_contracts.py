"""The committed contract documents are what the code generates, and v1 schemas only grow."""

from __future__ import annotations

import hashlib
import itertools
import json
import subprocess
from pathlib import Path

import pytest
from devstack.contracts_gen import CONTRACTS, generate
from devstack.schema_compat import breaking_changes

ROOT = CONTRACTS.parent


def test_the_committed_contract_documents_match_the_code() -> None:
    documents = generate()
    drifted = [
        relative
        for relative, text in documents.items()
        if not (CONTRACTS / relative).exists() or (CONTRACTS / relative).read_text() != text
    ]
    committed = {
        str(p.relative_to(CONTRACTS))
        for folder in ("schemas", "asyncapi", "openapi")
        for p in (CONTRACTS / folder).glob("*.json")
    }
    stale = sorted(committed - set(documents))
    assert not drifted, f"run `make contracts`: these documents drifted: {drifted}"
    assert not stale, f"these committed documents are no longer generated: {stale}"


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout


def _versions(path: Path) -> list[dict[str, object]]:
    relative = str(path.relative_to(ROOT))
    commits = _git("log", "--format=%H", "--", relative).split()
    versions = []
    for commit in reversed(commits):
        try:
            versions.append(json.loads(_git("show", f"{commit}:{relative}")))
        except subprocess.CalledProcessError:
            continue
    versions.append(json.loads(path.read_text()))
    return versions


def _digest(schema: dict[str, object]) -> str:
    return hashlib.sha256(
        json.dumps(schema, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


_RESHAPED: dict[str, str] = json.loads((CONTRACTS / "drafts.json").read_text())["reshaped"]


def _since_the_draft_was_reshaped(
    name: str, versions: list[dict[str, object]], reshaped: dict[str, str] = _RESHAPED
) -> list[dict[str, object]]:
    """The versions the additive rule binds: all of them, or, for a draft its first producer
    reshaped (contracts/drafts.json, ADR 0020), those from the reshaped one on."""
    baseline = reshaped.get(name)
    if baseline is None:
        return versions
    digests = [_digest(v) for v in versions]
    assert baseline in digests or len(versions) == 1, (
        f"{name}: the reshaped version named in contracts/drafts.json is not in its history"
    )
    return versions[digests.index(baseline) :] if baseline in digests else versions


@pytest.mark.parametrize(
    "path",
    sorted((CONTRACTS / "schemas").glob("*.v1.json")),
    ids=lambda p: p.name,
)
def test_each_change_of_a_v1_schema_in_history_was_additive(path: Path) -> None:
    versions = _since_the_draft_was_reshaped(path.name, _versions(path))
    for older, newer in itertools.pairwise(versions):
        assert breaking_changes(older, newer) == [], path.name


def test_only_schemas_that_exist_are_named_as_reshaped_drafts() -> None:
    assert sorted(_RESHAPED) == sorted(
        name for name in _RESHAPED if (CONTRACTS / "schemas" / name).exists()
    )


def test_a_reshaped_draft_is_bound_from_its_reshaped_version_and_never_before() -> None:
    draft = {"properties": {"a": {"type": "string"}}, "required": ["a"]}
    reshaped = {"properties": {"a": {"type": "string"}, "b": {}}, "required": ["a", "b"]}
    later = {"properties": {"b": {}}, "required": ["b"]}
    named = {"x.v1.json": _digest(reshaped)}
    assert _since_the_draft_was_reshaped("y.v1.json", [draft, reshaped], named) == [
        draft,
        reshaped,
    ]
    kept = _since_the_draft_was_reshaped("x.v1.json", [draft, reshaped, later], named)
    assert kept == [reshaped, later]
    assert breaking_changes(*kept) == [
        "property 'a' was removed",
        "property 'a' is no longer required",
    ]
    with pytest.raises(AssertionError, match="not in its history"):
        _since_the_draft_was_reshaped("x.v1.json", [draft, later], named)


def test_the_additive_check_catches_breaking_changes() -> None:
    old = {
        "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
        "required": ["a"],
    }
    assert breaking_changes(old, {**old, "properties": {**old["properties"], "c": {}}}) == []
    assert breaking_changes(old, {**old, "description": "x"}) == []
    assert breaking_changes(old, {"properties": {"a": {"type": "string"}}, "required": ["a"]}) == [
        "property 'b' was removed"
    ]
    assert breaking_changes(
        old, {"properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}, "required": ["a"]}
    ) == ["property 'a' changed its definition"]
    assert breaking_changes(old, {**old, "required": ["a", "b"]}) == [
        "property 'b' became required"
    ]
