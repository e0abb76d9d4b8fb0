"""A real certificate PDF for the A4 printer's tests and benchmark, built and signed by the hub's own code."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from functools import cache
from pathlib import Path

NOW = dt.datetime(2026, 11, 21, 2, 30, tzinfo=dt.UTC)


@cache
def certificate_pdf() -> bytes:
    """社会保险参保缴费证明, 12 months, A4, seal, QR and the hub's PAdES signature (a sample person)."""
    from hub.certificates import fonts, layout, render
    from hub.certificates.issuer import BOLD_TEXT
    from hub.certificates.kinds import KINDS
    from hub.certificates.seal import seal_png
    from hub.certificates.signing import HubSigner, new_key_pem
    from hub.records import parse_entries
    from hub.sample_people import generate
    from hub.settings import HubSettings

    social, _ = generate(3, seed=7, until="2026-10", months=12)
    person = parse_entries("social_insurance", json.dumps(social, ensure_ascii=False).encode())[0]
    kind = KINDS["social_insurance_contribution"]
    issuer = kind.issuer(HubSettings())
    issue = layout.Issue("K7QD3M9XA2HPT6WC", issuer, NOW.date(), NOW.date() + dt.timedelta(days=90),
                         "https://hall.example.gov.cn/verify/K7QD-3M9X-A2HP-T6WC")
    page = layout.build(kind, person, ("2025-11", "2026-10"), issue)
    regular, bold = fonts.find("regular"), fonts.find("bold")
    with tempfile.TemporaryDirectory() as tmp:
        faces = render.Fonts(fonts.reduced(regular, fonts.gb2312(), Path(tmp)), 0,
                             fonts.reduced(bold, BOLD_TEXT + fonts.ASCII, Path(tmp)), 0)
        pdf = render.render(page, faces, seal_png(issuer, bold.path, bold.index), NOW).pdf
    return HubSigner(new_key_pem("a4-tests", NOW)).sign(pdf, reason="test", location=issuer)
