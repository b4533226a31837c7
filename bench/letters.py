"""Benchmark of notifications' channels: activation-key letters rendered and handed to the
letter folder, and e-mails sent over SMTP to the catcher, in one process (one core).

Prints one JSON line with letters per second per core (target ≥ 300), the run's peak memory,
e-mails per second, and the baseline measured in the same run: blank one-page PDFs per second
written by reportlab (page compression on), the PDF library the letters were drawn with before
they were written from kept font objects (``rendering/pdf.py``): a ratio above 1 is a letter
made faster than reportlab makes a blank page.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import tempfile
import time
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

from devstack.ports import free_port
from devstack.smtp_catcher import SmtpCatcher
from notifications.adapters.letters import FolderLetterChannel
from notifications.adapters.smtp import SmtpEmailChannel
from notifications.adapters.templates import TemplateRenderer
from notifications.service_layer.ports import OutgoingEmail, OutgoingLetter
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas


def _letter_context(i: int) -> dict[str, Any]:
    return {
        "recipient_name": f"Jean Dupont {i}",
        "address_lines": [f"{i % 200 + 1} rue des Lilas", "69003 Lyon"],
        "cabinet_name": "Cabinet Martin Expertise",
        "activation_key": f"7KQ4-M9XP-{i:04d}-3RTV-C"[:21],
        "issued_on": "2026-01-15",
        "reference": f"MND-{i:06d}",
    }


def blank_pdfs(n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        canvas = Canvas(BytesIO(), pagesize=A4, pageCompression=1)
        canvas.setFont("Helvetica", 10)
        canvas.drawString(20 * mm, A4[1] - 20 * mm, "x")
        canvas.showPage()
        canvas.getpdfdata()
    return n / (time.perf_counter() - started)


async def letters(n: int, folder: Path) -> float:
    renderer, channel = TemplateRenderer(), FolderLetterChannel(folder)
    started = time.perf_counter()
    for i in range(n):
        content = renderer.render_letter(
            "activation_key_letter", _letter_context(i), date(2026, 1, 15)
        )
        await channel.send(OutgoingLetter(f"msg-{i}", "activation_key_letter", f"MND-{i}", content))
    return n / (time.perf_counter() - started)


async def emails(n: int, folder: Path) -> float:
    port = free_port()
    catcher = SmtpCatcher(folder, port)
    catcher.start()
    renderer = TemplateRenderer()
    channel = SmtpEmailChannel(host="127.0.0.1", port=port, sender="bench@mon-compte.example")
    context = {
        "display_name": "Claire Martin",
        "cabinet_name": "Cabinet Martin",
        "link": "https://mon-compte.example/v1/accounts/activation?token=abc",
        "expires_at": "2026-01-17T09:00:00+00:00",
    }
    try:
        started = time.perf_counter()
        for i in range(n):
            content = renderer.render_email("cabinet_activation", context)
            await channel.send(OutgoingEmail(f"m{i}", f"claire{i}@cabinet.fr", content))
        return n / (time.perf_counter() - started)
    finally:
        catcher.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--letters", type=int, default=10_000)
    parser.add_argument("--emails", type=int, default=2_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        baseline = blank_pdfs(min(args.letters, 2_000))
        letters_per_s = asyncio.run(letters(args.letters, Path(tmp) / "letters"))
        emails_per_s = asyncio.run(emails(args.emails, Path(tmp) / "mail"))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "bench": "letters",
                "letters": args.letters,
                "letters_per_s_per_core": round(letters_per_s, 1),
                "target_letters_per_s_per_core": 300,
                "baseline_blank_pdf_per_s": round(baseline, 1),
                "ratio_vs_blank_pdf": round(letters_per_s / baseline, 3),
                "peak_rss_mb": round(peak_mb, 1),
                "emails": args.emails,
                "emails_per_s": round(emails_per_s, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
