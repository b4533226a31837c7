"""The committed contract documents are what the code generates, and v1 schemas only grow."""

from __future__ import annotations

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


@pytest.mark.parametrize(
    "path",
    sorted((CONTRACTS / "schemas").glob("*.v1.json")),
    ids=lambda p: p.name,
)
def test_each_change_of_a_v1_schema_in_history_was_additive(path: Path) -> None:
    versions = _versions(path)
    for older, newer in itertools.pairwise(versions):
        assert breaking_changes(older, newer) == [], path.name


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
