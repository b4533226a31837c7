"""What the payments tests share: a valid French IBAN and its bank's BIC, the pain.008 XSD."""

from __future__ import annotations

from pathlib import Path

import sepaxml
import xmlschema

IBAN = "FR7630006000011234567890189"  # Crédit Agricole (30006): AGRIFRPP
BIC = "AGRIFRPPXXX"
OTHER_IBAN = "FR7630004000031234567890143"  # BNP Paribas (30004): BNPAFRPP
OTHER_BIC = "BNPAFRPP"
WRONG_RIB_KEY = "FR0630006000011234567890188"  # IBAN check digits right, RIB key wrong

PAIN_008 = xmlschema.XMLSchema(Path(sepaxml.__file__).parent / "schemas" / "pain.008.001.02.xsd")
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"}


def debits_of(content: bytes) -> list[dict[str, str]]:
    """The debits of a pain.008 file once it is valid against the XSD."""
    PAIN_008.validate(content.decode())
    decoded = PAIN_008.to_dict(content.decode())
    assert isinstance(decoded, dict)
    out = []
    for info in decoded["CstmrDrctDbtInitn"]["PmtInf"]:
        for tx in info["DrctDbtTxInf"]:
            out.append(
                {
                    "collection_date": info["ReqdColltnDt"],
                    "end_to_end_id": tx["PmtId"]["EndToEndId"],
                    "rum": tx["DrctDbtTx"]["MndtRltdInf"]["MndtId"],
                    "amount": f"{tx['InstdAmt']['$']:.2f}",
                    "iban": tx["DbtrAcct"]["Id"]["IBAN"],
                    "bic": tx["DbtrAgt"]["FinInstnId"].get("BIC", "NOTPROVIDED"),
                }
            )
    return out
