"""An agent's bulk load of pension payments from a CSV file, with a report per row (as
identity's load of the registry): the rows are validated as the pension fund's feed
(``PensionPaymentV1``); an accepted row is kept, a payment already known is reported as such
(or as corrected when the row gives it other amounts or dates),
a refused row says why, naming the column. The whole file is one transaction.

Columns: ``pensioner_id,payment_id,period,paid_on,gross,net,taxable`` (comma or semicolon;
UTF-8 with or without BOM, or Windows-1252; dates ``JJ/MM/AAAA`` or ``AAAA-MM-JJ``; amounts
``1234.56`` or ``1234,56``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from attestations.domain.model import PensionPayment
from attestations.service_layer.consumers import ConsumerUnitOfWork
from contracts.partners.v1 import PensionPaymentV1
from pydantic import ValidationError

COLUMNS = ("pensioner_id", "payment_id", "period", "paid_on", "gross", "net", "taxable")
MAX_ROWS = 50_000
FIELD_MAX = 100


class ImportRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RowReport:
    row: int
    status: str
    """``accepted``, ``corrected`` (the payment was known with other amounts or dates: the
    fund's correction replaces them), ``already`` (known as it is: nothing changes) or
    ``refused``."""
    reason: str | None = None
    payment_id: str | None = None


class _RowRefused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRefused("Le fichier n'est ni en UTF-8 ni en Windows-1252.")


def _date(value: str) -> date:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a date, no time
        except ValueError:
            continue
    raise _RowRefused("Colonne paid_on : date illisible : écrivez-la JJ/MM/AAAA ou AAAA-MM-JJ.")


def _amount(name: str, value: str) -> str:
    text = value.replace("\u202f", "").replace(" ", "").replace(",", ".")
    try:
        amount = Decimal(text)
    except ArithmeticError:
        raise _RowRefused(f"Colonne {name} : montant illisible (1234,56).") from None
    if not amount.is_finite() or amount < 0:
        raise _RowRefused(f"Colonne {name} : montant positif attendu (1234,56).")
    return f"{amount:.2f}"


def _rows(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    text = _decode(data)
    if not text.strip():
        raise ImportRefused("Le fichier est vide.")
    lines = text.splitlines()
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except (csv.Error, StopIteration):
        raise ImportRefused("La ligne d'en-tête est illisible.") from None
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ImportRefused("Colonnes manquantes : " + ", ".join(missing) + ".")
    rows: list[tuple[int, list[str]]] = []
    try:
        for values in reader:
            if any(v.strip() for v in values):
                rows.append((reader.line_num, values))
            if len(rows) > MAX_ROWS:
                raise ImportRefused(f"Le fichier dépasse {MAX_ROWS} lignes.")
    except csv.Error:
        raise ImportRefused(f"Ligne {reader.line_num} illisible (guillemets mal fermés).") from None
    return header, rows


def _payment(header: list[str], values: list[str]) -> tuple[str, PensionPayment]:
    if len(values) > len(header):
        raise _RowRefused(f"La ligne a {len(values)} colonnes, l'en-tête {len(header)}.")
    row = {name: value.strip() for name, value in zip(header, values, strict=False)}
    for name, value in row.items():
        if len(value) > FIELD_MAX:
            raise _RowRefused(f"Colonne {name} : plus de {FIELD_MAX} caractères.")
        if value[:1] in ("=", "+", "-", "@") and name not in ("gross", "net", "taxable"):
            raise _RowRefused(f"Colonne {name} : une formule n'est pas une valeur admise.")
    for name in COLUMNS:
        if not row.get(name):
            raise _RowRefused(f"Colonne {name} : valeur obligatoire manquante.")
    try:
        record = PensionPaymentV1(
            pensioner_id=row["pensioner_id"],
            payment_id=row["payment_id"],
            period=row["period"],
            paid_on=_date(row["paid_on"]),
            gross=_amount("gross", row["gross"]),
            net=_amount("net", row["net"]),
            taxable=_amount("taxable", row["taxable"]),
        )
    except ValidationError as exc:
        column = str(exc.errors()[0]["loc"][0])
        hint = " (AAAA-MM)" if column == "period" else ""
        raise _RowRefused(f"Colonne {column} : format non valide{hint}.") from None
    return record.pensioner_id, PensionPayment(
        record.payment_id,
        record.period,
        record.paid_on,
        Decimal(record.gross),
        Decimal(record.net),
        Decimal(record.taxable),
    )


_STATUS = {"added": "accepted", "corrected": "corrected", "same": "already"}


async def import_csv(data: bytes, uow: ConsumerUnitOfWork, at: datetime) -> list[RowReport]:
    """``at``: when the load is made (a row correcting a payment recorded before replaces it)."""
    header, rows = _rows(data)
    reports: list[RowReport] = []
    seen: dict[tuple[str, str], int] = {}
    async with uow:
        for number, values in rows:
            try:
                pensioner_id, payment = _payment(header, values)
            except _RowRefused as exc:
                reports.append(RowReport(number, "refused", exc.reason))
                continue
            key = (pensioner_id, payment.payment_id)
            if key in seen:
                reason = f"Paiement déjà présent à la ligne {seen[key]}."
                reports.append(RowReport(number, "refused", reason, payment.payment_id))
                continue
            seen[key] = number
            outcome = await uow.read_models.put_pension_payment(pensioner_id, payment, at)
            status = _STATUS[outcome]
            reports.append(RowReport(number, status, None, payment.payment_id))
        await uow.commit()
    return reports
