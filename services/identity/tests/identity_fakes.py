"""Hand-written fakes of identity's ports, for tests "in high gear" through the bus."""

from __future__ import annotations

import copy
import itertools

from identity.domain.model import Account, ActivationToken, Cabinet
from servicekit.testing import FakeUnitOfWorkBase


class FakeCabinets:
    def __init__(self, store: dict[str, Cabinet]) -> None:
        self.store = store

    async def add(self, cabinet: Cabinet) -> None:
        self.store[cabinet.id] = cabinet

    async def get(self, cabinet_id: str) -> Cabinet | None:
        return self.store.get(cabinet_id)

    async def siret_exists(self, siret: str) -> bool:
        return any(c.siret == siret for c in self.store.values())


class FakeAccounts:
    def __init__(self, store: dict[str, Account]) -> None:
        self.store = store

    async def add(self, account: Account) -> None:
        self.store[account.id] = account

    async def save(self, account: Account) -> None:
        self.store[account.id] = account

    async def get(self, account_id: str) -> Account | None:
        account = self.store.get(account_id)
        return copy.copy(account) if account else None

    async def email_exists(self, email: str) -> bool:
        return any(a.email == email for a in self.store.values())

    async def get_by_email(self, email: str) -> Account | None:
        found = next((a for a in self.store.values() if a.email == email), None)
        return copy.copy(found) if found else None


class FakeTokens:
    def __init__(self, store: dict[str, ActivationToken]) -> None:
        self.store = store

    async def add(self, token: ActivationToken) -> None:
        self.store[token.token_hash] = token

    async def get(self, token_hash: str) -> ActivationToken | None:
        token = self.store.get(token_hash)
        return copy.copy(token) if token else None

    async def save(self, token: ActivationToken) -> None:
        self.store[token.token_hash] = token


class FakeIdentityUow(FakeUnitOfWorkBase):
    def __init__(self) -> None:
        super().__init__()
        self.committed_state: tuple[
            dict[str, Cabinet], dict[str, Account], dict[str, ActivationToken]
        ] = ({}, {}, {})
        self._fresh()

    def _fresh(self) -> None:
        cabinets, accounts, tokens = (dict(s) for s in self.committed_state)
        self.cabinets = FakeCabinets(cabinets)
        self.accounts = FakeAccounts(accounts)
        self.activation_tokens = FakeTokens(tokens)

    def _commit_state(self) -> None:
        self.committed_state = (
            dict(self.cabinets.store),
            dict(self.accounts.store),
            dict(self.activation_tokens.store),
        )

    def _rollback_state(self) -> None:
        self._fresh()


class PlainHasher:
    """Not a hash: keeps unit tests fast. Argon2 is exercised by the adapter's own test."""

    def hash(self, password: str) -> str:
        return "plain:" + password

    def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == "plain:" + password


class AwaitedPlainHasher:
    """PlainHasher as use cases await it (bootstrap wraps the real one in a worker pool)."""

    def __init__(self) -> None:
        self._plain = PlainHasher()

    async def hash(self, password: str) -> str:
        return self._plain.hash(password)

    async def verify(self, password_hash: str, password: str) -> bool:
        return self._plain.verify(password_hash, password)


class ClearSealer:
    """Marks instead of encrypting, so tests can read what would be sealed."""

    def seal(self, secret: str) -> str:
        return "sealed:" + secret


class SequentialTokens:
    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._tokens = itertools.count(1)

    def new_id(self) -> str:
        return f"id-{next(self._ids)}"

    def new_token(self) -> str:
        return f"token-{next(self._tokens):04d}-abcdefgh"
