"""One entry point for a computation request, as the command line and the service receive it."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from cotisations.domain.errors import ComputationInputInvalid
from cotisations.domain.independant import compute_independant
from cotisations.domain.micro import compute_micro
from cotisations.domain.results import Computation


def _decimal(request: dict[str, Any], name: str) -> Decimal:
    if name not in request or request[name] is None:
        raise ComputationInputInvalid(f"Le champ « {name} » est obligatoire.")
    value = request[name]
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ComputationInputInvalid(f"Le champ « {name} » doit être un nombre.")
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        raise ComputationInputInvalid(f"Le champ « {name} » doit être un nombre.") from None
    if not result.is_finite():
        raise ComputationInputInvalid(f"Le champ « {name} » doit être un nombre fini.")
    return result


def _year(request: dict[str, Any]) -> int:
    year = request.get("year")
    if not isinstance(year, int) or isinstance(year, bool):
        raise ComputationInputInvalid("Le champ « year » est obligatoire (une année, ex. 2026).")
    return year


def compute(request: dict[str, Any]) -> Computation:
    kind = request.get("kind")
    activity = request.get("activity")
    if not isinstance(activity, str):
        raise ComputationInputInvalid("Le champ « activity » est obligatoire.")
    acre = bool(request.get("acre", False))
    if kind == "independant":
        return compute_independant(_year(request), activity, _decimal(request, "income"), acre=acre)
    if kind == "micro":
        nature = request.get("nature")
        if nature is not None and not isinstance(nature, str):
            raise ComputationInputInvalid("Le champ « nature » doit être un texte.")
        return compute_micro(
            _year(request), activity, _decimal(request, "turnover"), nature=nature, acre=acre
        )
    raise ComputationInputInvalid("Le champ « kind » doit valoir « independant » ou « micro ».")
