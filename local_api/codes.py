"""Code tables between the kiosk's own words and the platform's: card kinds, document types, rating levels."""

from __future__ import annotations

from typing import Any

# The reader's card kinds as the flows know them.
CARD_TYPES = {
    "resident": "resident",
    "hkmt_residence": "hmt_residence",
    "foreign_permanent_2017": "foreign_permanent",
    "foreign_permanent_2023": "foreign_permanent",
}
# GA/T 2000.156 document codes for the hub; the residence permit has no published code (999 其他).
ID_TYPES = {"resident": "111", "hmt_residence": "999", "foreign_permanent": "553"}
RATING_LEVELS = {5: "very_satisfied", 4: "satisfied", 3: "basically_satisfied", 2: "dissatisfied",
                 1: "very_dissatisfied"}


def id_type(applicant: dict[str, Any]) -> str:
    """The GA/T 2000.156 code of the document the applicant identified with."""
    card_type = applicant.get("card_type", "resident")
    if card_type == "manual":
        return "111"  # a number typed in by hand passed the resident ID (GB 11643) check
    return ID_TYPES.get(card_type, "999")
