"""Certificates: build + sign time per certificate and bytes per certificate.

Run: .venv/bin/python tests/bench/bench_certificates.py [--runs N]
The baseline is the same certificate built unsigned, in the same process; the ratio is what the
PAdES signature costs. Also measured: the first-use cut of the font, the full face for comparison,
the whole POST /api/v1/certificates on SQLite (record lookup, signing, the row, base64 JSON), and
checking an uploaded file as /verify does.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from hub.app import create_app  # noqa: E402
from hub.certificates import fonts, layout, render  # noqa: E402
from hub.certificates.issuer import BOLD_TEXT  # noqa: E402
from hub.certificates.kinds import KINDS  # noqa: E402
from hub.certificates.seal import seal_png  # noqa: E402
from hub.certificates.signing import HubSigner, new_key_pem  # noqa: E402
from hub.records import import_records, parse_entries  # noqa: E402
from hub.registry import add_kiosk  # noqa: E402
from hub.sample_people import generate  # noqa: E402
from hub.settings import HubSettings  # noqa: E402
from tests.bench.timing import interleaved, median_ms  # noqa: E402

NOW = dt.datetime(2026, 11, 21, 2, 30, tzinfo=dt.UTC)




def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    social, fund = generate(40, seed=11, until="2026-10", months=36)
    people = parse_entries("social_insurance", json.dumps(social, ensure_ascii=False).encode())
    person = next(p for p in people if len(p.recent) == 36)
    kind = KINDS["social_insurance_contribution"]
    issuer = kind.issuer(HubSettings())
    issue = layout.Issue("K7QD3M9XA2HPT6WC", issuer, NOW.date(), NOW.date() + dt.timedelta(days=90),
                         "https://hall.example.gov.cn/verify/K7QD-3M9X-A2HP-T6WC")  # fmt: skip
    page12 = layout.build(kind, person, ("2025-11", "2026-10"), issue)
    page24 = layout.build(kind, person, ("2024-11", "2026-10"), issue)
    regular, bold = fonts.find("regular"), fonts.find("bold")
    signer = HubSigner(new_key_pem("bench", NOW))
    seal = seal_png(issuer, bold.path, bold.index)

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        cut = fonts.reduced(regular, fonts.gb2312(), Path(tmp))
        cut_bold = fonts.reduced(bold, BOLD_TEXT + fonts.ASCII, Path(tmp))
        cut_s = time.perf_counter() - start
        faces = render.Fonts(cut, 0, cut_bold, 0)
        full = render.Fonts(regular.path, regular.index, bold.path, bold.index)

        def unsigned(p: layout.Layout = page12, f: render.Fonts = faces) -> bytes:
            return render.render(p, f, seal, NOW).pdf

        def signed(p: layout.Layout = page12) -> bytes:
            return signer.sign(unsigned(p), reason="bench", location=issuer)

        unsigned()  # warm caches (fontTools imports, the seal)
        base_ms, signed_ms = interleaved([unsigned, signed], args.runs)
        prebuilt = unsigned()
        sign_ms = median_ms(lambda: signer.sign(prebuilt, reason="bench", location=issuer), args.runs)
        full_ms = median_ms(lambda: unsigned(f=full), max(3, args.runs // 5))
        pdf12, pdf24 = signed(), signed(page24)
        check_ms = median_ms(lambda: signer.check(pdf12), args.runs)
        fund_people = parse_entries("housing_fund", json.dumps(fund, ensure_ascii=False).encode())
        fund_page = layout.build(KINDS["housing_fund_deposit"], next(p for p in fund_people if p.id_number ==
                                 person.id_number), ("2025-11", "2026-10"), issue)  # fmt: skip
        pdf_fund = signer.sign(render.render(fund_page, faces, seal_png(KINDS["housing_fund_deposit"].issuer(
            HubSettings()), bold.path, bold.index), NOW).pdf, reason="bench", location="x")  # fmt: skip

        http_ms, reply_bytes = http_path(Path(tmp), social, person.id_number, args.runs)

    print(f"first use: cutting the GB 2312 face and the bold face  {cut_s:8.2f} s (once per data dir)")
    print(f"unsigned build, 12 months (baseline)                  {base_ms:8.1f} ms median of {args.runs}")
    print(f"build + sign (PAdES B-B), 12 months                   {signed_ms:8.1f} ms   x{signed_ms / base_ms:.2f}")
    print(f"the signature alone, on a built PDF                   {sign_ms:8.1f} ms")
    print(f"unsigned build from the full 65k-glyph face           {full_ms:8.1f} ms   x{full_ms / base_ms:.2f}")
    print(f"check an uploaded file (parse + validate signature)   {check_ms:8.1f} ms")
    print(f"POST /api/v1/certificates on SQLite, end to end       {http_ms:8.1f} ms")
    print(f"load average while measuring: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"bytes: 社保 12 months {len(pdf12):,} (1 page), 24 months {len(pdf24):,}, 公积金 12 months "
          f"{len(pdf_fund):,}; JSON reply {reply_bytes:,}")


def http_path(tmp: Path, social: list, number: str, runs: int) -> tuple[float, int]:
    settings = HubSettings(data_dir=tmp / "hub")
    app = create_app(settings, clock=lambda: NOW)
    with TestClient(app) as client:
        state = app.state.hub
        with state.db.write() as db, db.begin():
            token = add_kiosk(db, "bench", "hall", NOW)
        entries = parse_entries("social_insurance", json.dumps(social, ensure_ascii=False).encode())
        import_records(state.db.write, state.keys, "social_insurance", entries, NOW)
        body = {"kind": "social_insurance_contribution", "holder": {"id_type": "111", "id_number": number},
                "identity_check": "card_read"}  # fmt: skip
        headers = {"Authorization": f"Bearer {token}"}
        reply = client.post("/api/v1/certificates", json=body, headers=headers)  # first use: key, fonts
        assert reply.status_code == 200, reply.text
        assert base64.b64decode(reply.json()["pdf_base64"])
        ms = median_ms(lambda: client.post("/api/v1/certificates", json=body, headers=headers), runs)
        return ms, len(reply.content)


if __name__ == "__main__":
    main()
