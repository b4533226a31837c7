"""What the use cases need of the outside (identity's api), as the adapters provide it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int
    account_id: str


@dataclass(frozen=True)
class Caller:
    subject: str
    actor: str
    cabinet_id: str | None
    affiliate_id: str | None
    rights: tuple[str, ...]


class Authenticator(Protocol):
    async def login(
        self, username: str, password: str, *, source: str, user_agent: str
    ) -> Tokens: ...

    async def refresh(self, refresh_token: str) -> Tokens: ...

    async def logout(self, refresh_token: str) -> None: ...

    async def end_every_session(self, access_token: str) -> None: ...

    async def me(self, access_token: str) -> Caller: ...
