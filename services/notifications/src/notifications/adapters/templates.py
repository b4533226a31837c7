"""The renderer port implemented with the package's Jinja2 templates and PDF letters; letters
rendered in the worker's own process, or in a separate one (a PDF costs about 0.3 ms of CPU: a
process of its own lets a claim render on another core while the worker goes on consuming and
publishing)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import date
from multiprocessing import get_context
from typing import Any

from notifications.adapters.rendering import MessageKind, render_email, render_letter
from notifications.domain.errors import rendering_failed
from notifications.service_layer.ports import Attachment, EmailContent, LetterContent, LetterJob


class TemplateRenderer:
    """A rendering error is a permanent :class:`DeliveryFailed` (``rendering_failed``): the
    same context would fail the same way at every attempt."""

    def render_email(self, kind: str, context: dict[str, Any]) -> EmailContent:
        try:
            rendered = render_email(MessageKind(kind), context)
        except Exception as exc:
            raise rendering_failed(exc) from exc
        return EmailContent(
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            attachments=tuple(
                Attachment(a.filename, a.content_type, a.data) for a in rendered.attachments
            ),
        )

    def render_letter(self, kind: str, context: dict[str, Any], today: date) -> LetterContent:
        try:
            rendered = render_letter(MessageKind(kind), context, today)
        except Exception as exc:
            raise rendering_failed(exc) from exc
        return LetterContent(rendered.pdf, rendered.subject, rendered.address_lines)

    async def render_letters(self, jobs: Sequence[LetterJob]) -> list[LetterContent | Exception]:
        return _render_all(list(jobs))

    def close(self) -> None:
        """Nothing to release when rendering in the worker's process."""


def _render_all(jobs: list[LetterJob]) -> list[LetterContent | Exception]:
    renderer = TemplateRenderer()
    outcomes: list[LetterContent | Exception] = []
    for job in jobs:
        try:
            outcomes.append(renderer.render_letter(job.kind, job.context, job.today))
        except Exception as exc:  # one bad letter fails alone
            outcomes.append(exc)
    return outcomes


class PooledRenderer(TemplateRenderer):
    """Letters rendered by ``processes`` separate processes (started with ``spawn``: never a
    fork of a process running an event loop and threads). A process that dies is replaced at
    the next claim; the claim it held fails and is retried like any transient failure."""

    def __init__(self, processes: int) -> None:
        self._processes = processes
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self._processes, mp_context=get_context("spawn"))
        return self._pool

    async def render_letters(self, jobs: Sequence[LetterJob]) -> list[LetterContent | Exception]:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor(), _render_all, list(jobs))
        except BrokenProcessPool:
            self.close()
            raise

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
