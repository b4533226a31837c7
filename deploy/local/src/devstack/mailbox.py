"""``python -m devstack mail``: the last mails caught by the SMTP catcher, decoded."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path


def last_mails(mail_dir: Path, count: int = 1) -> str:
    files = sorted(mail_dir.glob("*.eml"))[-count:]
    if not files:
        return f"no mail in {mail_dir}"
    out = []
    for path in files:
        mail = message_from_bytes(path.read_bytes(), policy=policy.default)
        body = mail.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        out.append(f"To: {mail['To']}\nSubject: {mail['Subject']}\nFile: {path}\n\n{text}")
    return "\n\n".join(out)
