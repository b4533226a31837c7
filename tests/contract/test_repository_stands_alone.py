"""The repository stands on its own: no tracked file points at a place outside it.

A person who clones the repository has nothing beside it, and a machine's own folders are not
theirs. Every tracked text file (``git ls-files``) is read, and a finding is:

- the sibling planning folder (``..`` then ``shared``), from wherever it is named;
- a machine's work folder, or a home directory (a user's folder under ``home`` or ``Users``,
  root's, or one reached through the tilde);
- a relative path whose ``..`` climb above the repository root, resolved from the file's folder;
- Python climbing from ``Path(__file__)`` (``.parent``, ``.parents[n]``, ``/ ".."``) above the
  repository root.

Nothing is allowed through but what is clearly not a path: a URL's own path (``https://host/…``).
The patterns below are written so that this file does not match them itself.
"""

from __future__ import annotations

import posixpath
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Not preceded by what would make it the middle of a word, a URL or a longer path.
_START = r"(?<![\w/.:~-])"
_PLANNING = re.compile(_START + r"\.\./+shared\b")
_MACHINE = re.compile(_START + r"/wor[k]/")
_HOME = re.compile(_START + r"(?:/hom[e]/[\w.-]+|/roo[t](?=/)|/User[s]/[\w.-]+|~(?=/))")
_CLIMB = re.compile(_START + r"((?:\.\.?/+)*\.\./+[^\s`'\"()<>\[\]{}|,;*]*)")
_FILE_CLIMB = re.compile(
    r"Path\(\s*__file__\s*\)((?:\s*\.\s*(?:resolve\(\)|absolute\(\)|parent\b|parents\[\d+\]))+)"
    r"((?:\s*/\s*[\"']\.\.[\"'])*)"
)


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    reason: str
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}: {self.text.strip()[:120]}"


def _leaves_root(folder: PurePosixPath, relative: str) -> bool:
    joined = posixpath.normpath(posixpath.join(folder.as_posix() or ".", relative))
    return joined == ".." or joined.startswith("../")


def _file_climb_leaves_root(path: PurePosixPath, chain: str, joins: str) -> bool:
    """Where ``Path(__file__)`` followed by ``chain`` and ``joins`` lands, in levels above the
    file: below zero is above the repository root."""
    depth = len(path.parts)  # the file itself; its folder is one level up
    for step in re.findall(r"parent\b|parents\[(\d+)\]", chain):
        depth -= int(step) + 1 if step else 1
    depth -= joins.count("..")
    return depth < 0


def findings_in(path: str, text: str) -> list[Finding]:
    """What in ``text`` (the content of the tracked file ``path``) points outside the repo."""
    where = PurePosixPath(path)
    found: list[Finding] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if _PLANNING.search(line):
            found.append(Finding(path, number, "names the planning folder beside the repo", line))
        if _MACHINE.search(line):
            found.append(Finding(path, number, "names a machine's work folder", line))
        if _HOME.search(line):
            found.append(Finding(path, number, "names a home directory", line))
        for match in _CLIMB.finditer(line):
            if _leaves_root(where.parent, match.group(1)):
                found.append(Finding(path, number, "climbs above the repository root", line))
                break
    for match in _FILE_CLIMB.finditer(text):
        if _file_climb_leaves_root(where, match.group(1), match.group(2)):
            number = text.count("\n", 0, match.start()) + 1
            found.append(
                Finding(path, number, "climbs from __file__ above the repository root", match[0])
            )
    return found


def tracked_text_files() -> dict[str, str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True
    ).stdout
    texts: dict[str, str] = {}
    for name in listed.decode().split("\0"):
        file = ROOT / name
        if not name or not file.is_file():
            continue
        data = file.read_bytes()
        if b"\0" in data[:8192]:
            continue  # binary
        try:
            texts[name] = data.decode("utf-8")
        except UnicodeDecodeError:
            continue  # not text we could mean as a path
    return texts


def test_no_tracked_file_points_outside_the_repository() -> None:
    texts = tracked_text_files()
    assert "README.md" in texts
    found = [f for name, text in sorted(texts.items()) for f in findings_in(name, text)]
    if found:
        pytest.fail(
            "these point outside the repository:\n" + "\n".join(map(str, found)), pytrace=False
        )


# The detector itself, on made-up lines (built here so that this file stays clean).
UP = ".."
FILE = "Path(" + "__file__)"
PLANNING = f"{UP}/shared/SPEC.md"
WORK = "/" + "work" + "/wt/x"


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("README.md", f"The product is in `{PLANNING}`."),
        ("services/x/README.md", f"run `python -m x < {PLANNING}`"),
        ("docs/a.md", f"see {WORK}/file"),
        ("docs/a.md", "logs go to " + "/" + "home/claire/mon-compte"),
        ("docs/a.md", "cache in " + "~" + "/.cache/x"),
        ("docs/a.md", "as " + "/" + "root/.config/x"),
        ("README.md", f"[elsewhere]({UP}/other-repo/README.md)"),
        ("docs/adr/0001.md", f"[spec]({UP}/{UP}/{UP}/spec.md)"),
        ("services/x/tests/t.py", f'DATA = "{UP}/{UP}/{UP}/{UP}/data.json"'),
        ("services/x/tests/unit/t.py", f"D = {FILE}.resolve().parents[4].parent / 'd'"),
        ("services/x/tests/unit/t.py", f"D = {FILE}.resolve().parents[5]"),
        ("a/b/t.py", f"D = {FILE}.parent.parent.parent.parent"),
        ("a/b/t.py", f'D = {FILE}.resolve().parents[2] / "{UP}"'),
    ],
)
def test_the_detector_flags_paths_outside_the_repository(path: str, line: str) -> None:
    assert findings_in(path, line + "\n"), line


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("docs/product/mandates.md", f"[the layers]({UP}/architecture.md)"),
        ("docs/adr/0001.md", f"`{UP}/{UP}/services/identity/README.md`"),
        ("services/x/tests/unit/t.py", f"ROOT = {FILE}.resolve().parents[4]"),
        ("deploy/local/src/devstack/m.py", f"ROOT = {FILE}.resolve().parents[4]"),
        ("services/x/src/x/bootstrap.py", f'M = {FILE}.resolve().parents[2] / "mig"'),
        ("README.md", "https://example.org/work/docs and https://h.example/a/../b"),
        ("README.md", "the plumbing shared by every service; …/users/{id}/suspension"),
        ("README.md", "a firm's clients are shared... across portfolios"),
    ],
)
def test_the_detector_lets_paths_inside_the_repository_through(path: str, line: str) -> None:
    assert findings_in(path, line + "\n") == [], line
