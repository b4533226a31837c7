"""A file sent to an api as the raw body of a request (a firm's spreadsheet of clients goes to
mandates so), its refusals turned into an :class:`ApiError` as every other call's."""

from __future__ import annotations

from typing import Any

import httpx

from portal.adapters.apis import SERVICE_NAMES, ApiError, ServiceApi, problem_to_error

UPLOAD_TIMEOUT_S = 120.0
"""A spreadsheet of thousands of rows is read and checked row by row before the api answers:
longer than a page's call may take."""

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_BY_EXTENSION = {
    ".csv": "text/csv",
    ".txt": "text/csv",
    ".xlsx": XLSX_CONTENT_TYPE,
    ".xls": "application/vnd.ms-excel",
}


def content_type_of(filename: str, declared: str | None) -> str:
    """The media type to send a spreadsheet under: by its name's extension (browsers label a
    ``.csv`` in many ways), else what the browser declared; the api refuses what it cannot
    read, in its own words."""
    lowered = filename.lower()
    for extension, media_type in _BY_EXTENSION.items():
        if lowered.endswith(extension):
            return media_type
    return declared or "application/octet-stream"


async def post_file(
    api: ServiceApi,
    path: str,
    *,
    token: str,
    content: bytes,
    content_type: str,
    params: dict[str, Any] | None = None,
) -> httpx.Response:
    """``POST path`` with ``content`` as its body; an answer of 400 or more raises
    :class:`ApiError` (its ``body`` keeps the api's document)."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type}
    try:
        response = await api.client.post(
            path,
            content=content,
            params={k: v for k, v in (params or {}).items() if v},
            headers=headers,
            timeout=UPLOAD_TIMEOUT_S,
        )
    except httpx.HTTPError as exc:
        raise ApiError(
            503,
            "unreachable",
            f"{SERVICE_NAMES.get(api.service, 'Le service').capitalize()} est "
            "momentanément injoignable. Réessayez dans quelques instants.",
        ) from exc
    if response.status_code >= 400:
        raise problem_to_error(api.service, response)
    return response
