"""The image's build file, checked by deploy/image/lint.py; each rule is seen to refuse a
build file that breaks it."""

from __future__ import annotations

import importlib.util
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType

import pytest

IMAGE = Path(__file__).resolve().parents[2] / "deploy" / "image"
ROOT = IMAGE.parents[1]


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"image_{name}", IMAGE / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


lint = _load("lint")
launch = _load("launch")
DOCKERFILE = (IMAGE / "Dockerfile").read_text()


def rules(text: str) -> set[str]:
    return {f.rule for f in lint.lint(text)}


def test_the_image_build_file_keeps_every_rule() -> None:
    assert lint.lint(DOCKERFILE) == []


def test_the_command_line_fails_on_a_broken_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "Dockerfile"
    broken.write_text(DOCKERFILE.replace("USER 10001:10001", "USER root"))
    assert lint.main([str(IMAGE / "Dockerfile")]) == 0
    assert lint.main([str(broken)]) == 1
    assert "non-root: USER root: not a numeric uid" in capsys.readouterr().out


def test_the_parser_joins_continuations_and_knows_the_stages() -> None:
    instructions = lint.parse(DOCKERFILE)
    global_args, stages = lint.stages(instructions)
    assert [s.name for s in stages] == ["assets", "build", "runtime"]
    assert stages[0].base == global_args["NODE_IMAGE"]  # the portal's npm packages
    assert all(s.base == global_args["PYTHON_IMAGE"] for s in stages[1:])
    (check,) = [i for i in instructions if i.keyword == "HEALTHCHECK"]
    assert check.arguments.endswith('CMD ["python", "/app/deploy/image/launch.py", "--health"]')
    assert "\\" not in check.arguments


@pytest.mark.parametrize(
    ("rule", "old", "new"),
    [
        ("pinned-base", "python:3.11.14-slim-bookworm", "python:3.11-slim"),
        ("pinned-base", "python:3.11.14-slim-bookworm", "python:latest"),
        ("pinned-base", "python:3.11.14-slim-bookworm", "python"),
        ("pinned-base", "FROM ${PYTHON_IMAGE} AS runtime", "FROM debian:bookworm AS runtime"),
        ("non-root", "USER 10001:10001", "USER 0"),
        ("non-root", "USER 10001:10001", "USER app"),
        ("non-root", "USER 10001:10001\n", ""),
        (
            "no-remote-add",
            "WORKDIR /app\n",
            "WORKDIR /app\nADD https://example.org/uv.tar.gz /tmp/\n",
        ),
        ("no-secret", "LOG_JSON=true", "LOG_JSON=true \\\n    IDENTITY_NIR_KEY=abc"),
        ("no-secret", "ARG PYTHON_IMAGE", "ARG DB_PASSWORD\nARG PYTHON_IMAGE"),
        (
            "uv-frozen",
            "RUN uv sync --frozen --no-dev --all-packages\n",
            "RUN uv sync --no-dev --all-packages\n",
        ),
        (
            "uv-frozen",
            "RUN uv sync --frozen --no-dev --all-packages\n",
            "RUN uv sync --frozen --all-packages\n",
        ),
        (
            "uv-frozen",
            "RUN uv sync --frozen --no-dev --all-packages\n",
            "RUN pip install -r requirements.txt\n",
        ),
        ("healthcheck", "HEALTHCHECK --interval", "# HEALTHCHECK --interval"),
        (
            "entrypoint",
            'ENTRYPOINT ["python", "/app/deploy/image/launch.py"]',
            "ENTRYPOINT python launch.py",
        ),
    ],
)
def test_a_build_file_breaking_a_rule_is_refused(rule: str, old: str, new: str) -> None:
    assert old in DOCKERFILE
    broken = DOCKERFILE.replace(old, new)
    if rule == "healthcheck":
        broken = broken.replace(
            '    CMD ["python", "/app/deploy/image/launch.py", "--health"]\n', ""
        )
    assert rule in rules(broken)


def test_user_after_the_entrypoint_is_too_late() -> None:
    moved = DOCKERFILE.replace("USER 10001:10001\n", "") + "USER 10001\n"
    assert [f.message for f in lint.lint(moved) if f.rule == "non-root"] == [
        "ENTRYPOINT before any USER",
        "CMD before any USER",
    ]


def test_the_dockerignore_keeps_local_state_and_secrets_out() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", "var", "**/node_modules", "**/*.pem", "**/local-keys.json"} <= ignored


# -- the entry point ---------------------------------------------------------------------------
def test_the_entry_point_takes_the_arguments_then_the_environment() -> None:
    assert launch.choose(["identity", "worker"], {"SERVICE": "mandates"}) == ("identity", "worker")
    assert launch.choose([], {"SERVICE": "mandates", "ROLE": "worker"}) == ("mandates", "worker")
    assert launch.choose([], {"SERVICE": "mandates"}) == ("mandates", "api")


@pytest.mark.parametrize("argv", [[], ["../identity"], ["identity", "api;sh"]])
def test_the_entry_point_refuses_what_is_not_a_process_name(argv: list[str]) -> None:
    with pytest.raises(SystemExit, match="usage"):
        launch.choose(argv, {})


def test_the_entry_point_refuses_a_process_the_image_does_not_have() -> None:
    with pytest.raises(SystemExit, match="no process 'printer' for service 'identity'"):
        launch.run(["identity", "printer"])


def test_the_health_check_fails_when_nothing_was_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(launch, "STATE", tmp_path / "absent.json")
    assert launch.health() == 1


class _Live(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == "/health/live" else 404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize(("status", "expected"), [(200, 0), (503, 1)])
def test_the_health_check_asks_the_process_it_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, status: int, expected: int
) -> None:
    handler = type("Handler", (_Live,), {"status": status})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        state = tmp_path / "process.json"
        state.write_text(
            f'{{"service": "identity", "role": "api", "port": "{server.server_port}"}}'
        )
        monkeypatch.setattr(launch, "STATE", state)
        assert launch.health() == expected
    finally:
        server.shutdown()
        server.server_close()


def test_a_build_file_of_one_stage_is_refused() -> None:
    one_stage = "\n".join(
        line
        for line in DOCKERFILE.splitlines()
        if not line.startswith("FROM ") or line == "FROM ${PYTHON_IMAGE} AS build"
    )
    assert "multi-stage" in rules(one_stage)
