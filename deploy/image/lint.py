"""``python deploy/image/lint.py [Dockerfile ...]``: the image's build file, checked offline.

A parser (line continuations, comments, parser directives, exec and shell forms, ``ARG``
defaults substituted in ``FROM``) and the rules the platform's image keeps:

- ``pinned-base``: every base image is an exact tag (a version with a patch number) or a
  digest, never ``latest`` nor a bare name;
- ``multi-stage``: the build tools stay in a build stage, the image is a later stage;
- ``non-root``: the final stage sets a numeric, non-zero ``USER`` before its ``ENTRYPOINT``
  and ``CMD``;
- ``no-remote-add``: no ``ADD`` of a URL or a repository (fetched unchecked at build time);
- ``no-secret``: no ``ENV`` or ``ARG`` named like a secret (``PASSWORD``, ``SECRET``,
  ``TOKEN``, ``KEY``...): an image is read by anyone who can pull it;
- ``uv-frozen``: dependencies are installed by ``uv sync --frozen`` without the dev group
  (the lock as committed, nothing resolved at build time), never by ``pip install -r``;
- ``healthcheck``: the final stage declares a ``HEALTHCHECK`` (not ``NONE``);
- ``entrypoint``: the final stage has an exec-form ``ENTRYPOINT``.

Exit status 1 when a rule is broken, each finding printed as ``file:line: rule: message``.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

DIRECTIVE = re.compile(r"^#\s*([a-zA-Z]+)\s*=\s*(.+?)\s*$")
SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|PRIVATE|(^|_)KEY($|_)", re.I)
EXACT_TAG = re.compile(r"^v?\d+\.\d+\.\d+([.-][A-Za-z0-9.-]+)?$")
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class Instruction:
    line: int
    keyword: str
    arguments: str

    def exec_form(self) -> list[str] | None:
        """The JSON array of an exec-form instruction, else None."""
        text = self.arguments.strip()
        if not text.startswith("["):
            return None
        try:
            parsed = json.loads(text)
        except ValueError:
            return None
        return [str(p) for p in parsed] if isinstance(parsed, list) else None

    def words(self) -> list[str]:
        try:
            return shlex.split(self.arguments, comments=False, posix=True)
        except ValueError:
            return self.arguments.split()


@dataclass
class Stage:
    base: str
    name: str | None
    line: int
    instructions: list[Instruction] = field(default_factory=list)


@dataclass(frozen=True)
class Finding:
    rule: str
    line: int
    message: str


def parse(text: str) -> list[Instruction]:
    """The instructions of a Dockerfile, each with the line it starts on."""
    escape = "\\"
    out: list[Instruction] = []
    lines = text.splitlines()
    index = 0
    directives_allowed = True
    while index < len(lines):
        raw = lines[index]
        start = index + 1
        index += 1
        stripped = raw.strip()
        if directives_allowed and (m := DIRECTIVE.match(stripped)):
            if m.group(1).lower() == "escape":
                escape = m.group(2)
            continue
        directives_allowed = False
        if not stripped or stripped.startswith("#"):
            continue
        parts: list[str] = []
        current = raw.rstrip()
        while current.endswith(escape):
            parts.append(current[: -len(escape)])
            current = ""
            while index < len(lines):
                following = lines[index].rstrip()
                index += 1
                if following.strip().startswith("#") or not following.strip():
                    continue  # comments and blank lines inside a continuation
                current = following
                break
        parts.append(current)
        joined = " ".join(p.strip() for p in parts if p.strip())
        keyword, _, arguments = joined.partition(" ")
        out.append(Instruction(start, keyword.upper(), arguments.strip()))
    return out


def _substitute(text: str, values: dict[str, str]) -> str:
    def value(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(3)
        return values.get(name, m.group(2) or "")

    return VARIABLE.sub(value, text)


def stages(instructions: list[Instruction]) -> tuple[dict[str, str], list[Stage]]:
    """The global ``ARG`` defaults (those before the first ``FROM``) and the stages."""
    global_args: dict[str, str] = {}
    out: list[Stage] = []
    for ins in instructions:
        if ins.keyword == "FROM":
            words = [w for w in ins.words() if not w.startswith("--")]
            base = _substitute(words[0], global_args) if words else ""
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            out.append(Stage(base, name, ins.line))
        elif out:
            out[-1].instructions.append(ins)
        elif ins.keyword == "ARG":
            for word in ins.words():
                key, _, default = word.partition("=")
                global_args[key] = default
    return global_args, out


def _arg_and_env_names(ins: Instruction) -> list[str]:
    words = ins.words()
    if ins.keyword == "ENV" and len(words) >= 2 and "=" not in words[0]:
        return [words[0]]  # the legacy form: ENV NAME value
    return [w.partition("=")[0] for w in words]


def _pinned(image: str) -> bool:
    if DIGEST.search(image):
        return True
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return False
    tag = last.rsplit(":", 1)[1]
    version = tag.split("-", 1)[0]
    return tag != "latest" and EXACT_TAG.match(version) is not None


def lint(text: str) -> list[Finding]:
    instructions = parse(text)
    global_args, all_stages = stages(instructions)
    findings: list[Finding] = []
    if not all_stages:
        return [Finding("multi-stage", 1, "no FROM")]
    names = {s.name for s in all_stages if s.name}
    for stage in all_stages:
        if stage.base in names or stage.base == "scratch":
            continue
        if not _pinned(stage.base):
            findings.append(
                Finding("pinned-base", stage.line, f"{stage.base!r}: not an exact tag or digest")
            )
    if len(all_stages) < 2:
        findings.append(Finding("multi-stage", all_stages[0].line, "a single stage"))

    for ins in instructions:
        if ins.keyword == "COPY":
            for word in ins.words():
                source = word.removeprefix("--from=")
                if word.startswith("--from=") and source not in names and not _pinned(source):
                    findings.append(Finding("pinned-base", ins.line, f"{source!r}: not pinned"))
        if ins.keyword == "ADD":
            remote = [w for w in ins.words() if re.match(r"^(https?|git|ssh)://|^git@", w)]
            if remote:
                findings.append(Finding("no-remote-add", ins.line, f"ADD of {remote[0]}"))
        if ins.keyword in ("ENV", "ARG"):
            for name in _arg_and_env_names(ins):
                if SECRET_NAME.search(name):
                    findings.append(
                        Finding("no-secret", ins.line, f"{ins.keyword} {name}: a secret's name")
                    )
        if ins.keyword == "RUN":
            command = _substitute(ins.arguments, global_args)
            for sync in re.finditer(r"\buv\s+sync\b[^;&|]*", command):
                flags = sync.group(0).split()
                if "--frozen" not in flags:
                    findings.append(Finding("uv-frozen", ins.line, "uv sync without --frozen"))
                if "--no-dev" not in flags:
                    findings.append(Finding("uv-frozen", ins.line, "uv sync with the dev group"))
            if re.search(r"\bpip3?\s+install\b[^;&|]*\s-(r|-requirement)\b", command):
                findings.append(Finding("uv-frozen", ins.line, "pip install -r: not the lock"))
            if re.search(r"\buv\s+(lock|add|pip\s+install)\b", command):
                findings.append(Finding("uv-frozen", ins.line, "resolves at build time"))
    if not any(
        re.search(r"\buv\s+sync\b", i.arguments) for i in instructions if i.keyword == "RUN"
    ):
        findings.append(Finding("uv-frozen", all_stages[0].line, "no uv sync --frozen"))

    final = all_stages[-1]
    findings.extend(_final_stage(final))
    return sorted(findings, key=lambda f: (f.line, f.rule))


def _final_stage(final: Stage) -> list[Finding]:
    findings: list[Finding] = []
    user: Instruction | None = None
    for ins in final.instructions:
        if ins.keyword == "USER":
            user = ins
        if ins.keyword in ("CMD", "ENTRYPOINT") and user is None:
            findings.append(Finding("non-root", ins.line, f"{ins.keyword} before any USER"))
    if user is None:
        findings.append(Finding("non-root", final.line, "the final stage sets no USER"))
    else:
        uid = user.arguments.split(":", 1)[0].strip()
        if not uid.isdigit():
            findings.append(Finding("non-root", user.line, f"USER {uid}: not a numeric uid"))
        elif int(uid) == 0:
            findings.append(Finding("non-root", user.line, "USER 0 is root"))
    checks = [i for i in final.instructions if i.keyword == "HEALTHCHECK"]
    if not checks:
        findings.append(Finding("healthcheck", final.line, "the final stage has no HEALTHCHECK"))
    elif checks[-1].arguments.strip().upper() == "NONE":
        findings.append(Finding("healthcheck", checks[-1].line, "HEALTHCHECK NONE"))
    entrypoints = [i for i in final.instructions if i.keyword == "ENTRYPOINT"]
    if not entrypoints:
        findings.append(Finding("entrypoint", final.line, "the final stage has no ENTRYPOINT"))
    elif entrypoints[-1].exec_form() is None:
        findings.append(Finding("entrypoint", entrypoints[-1].line, "ENTRYPOINT in shell form"))
    return findings


def main(argv: list[str]) -> int:
    paths = [Path(p) for p in argv] or [Path(__file__).with_name("Dockerfile")]
    status = 0
    for path in paths:
        for finding in lint(path.read_text()):
            print(f"{path}:{finding.line}: {finding.rule}: {finding.message}")
            status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
