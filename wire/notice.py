"""What a kiosk tells the hub about a case after filing it (``POST /api/v1/cases/{case_no}/notices``).

Today one notice: ``receipt_not_shown``, when the citizen left before the kiosk could show the case
number or print the receipt.
"""

from __future__ import annotations

from typing import Literal

from wire.base import Strict


class CaseNotice(Strict):
    notice: Literal["receipt_not_shown"]
