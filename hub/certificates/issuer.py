"""Issue a certificate: read the record, lay it out, draw it, sign it, keep the record of issue, hand the PDF back."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from common.masking import mask_id, mask_name
from hub.certificates import fonts, layout, render
from hub.certificates.codes import display, new_code
from hub.certificates.kinds import KINDS
from hub.certificates.schemas import CertificateIssued, CertificateRequest, Period
from hub.certificates.seal import seal_png
from hub.certificates.signing import HubSigner
from hub.db.certificate_models import IssuedCertificate
from hub.record_sources import RecordsSource, open_source
from hub.state import HubState

# Bold is used for fixed words only (titles, table headings, the code), so its cut face is tiny.
BOLD_TEXT = "".join(k.title for k in KINDS.values()) + "".join(layout.SI_COLUMNS + layout.HF_COLUMNS) + "验证码："


def cut_faces(regular: fonts.Face, bold: fonts.Face, cache_dir: Path) -> tuple[Path, Path]:
    """The regular face cut to GB 2312 and the bold one to the fixed words, made once and cached in ``cache_dir``."""
    return fonts.reduced(regular, fonts.gb2312(), cache_dir), fonts.reduced(bold, BOLD_TEXT + fonts.ASCII, cache_dir)


class NoRecord(LookupError):
    """The source has no record of this kind for the person; the message is for the citizen."""


class PeriodProblem(ValueError):
    """The period asked for cannot be certified (it lies in the future)."""


class GlyphMissing(RuntimeError):
    """A character on the certificate (in a name, most likely) has no glyph in the font."""


@dataclass(frozen=True)
class Issued:
    reply: CertificateIssued
    pdf: bytes


class Issuer:
    """One per hub process; safe to share between request threads."""

    def __init__(self, state: HubState, source: RecordsSource | None = None) -> None:
        settings = state.settings
        self._state = state
        self.source = source or open_source(settings, state.db, state.keys)
        self.signer = HubSigner.load_or_create(settings.certificate_key_dir, "kioskhub", state.now())
        self._cache = settings.certificate_cache_dir
        self._faces: tuple[fonts.Face, fonts.Face, Path, Path] | None = None
        self._lock = threading.Lock()

    def faces(self) -> tuple[fonts.Face, fonts.Face, Path, Path]:
        """The full regular and bold faces and their cut-down copies, found and cut on first use (FontMissing)."""
        with self._lock:
            if self._faces is None:
                setting = self._state.settings.certificate_font
                regular, bold = fonts.find("regular", setting), fonts.find("bold", setting)
                self._faces = (regular, bold, *cut_faces(regular, bold, self._cache))
            return self._faces

    def issue(self, request: CertificateRequest, kiosk_id: str, verify_base: str) -> Issued:
        """Make, sign and record one certificate.

        Raises NoRecord, PeriodProblem, RecordsUnavailable, GlyphMissing, FontMissing.
        """
        kind = KINDS[request.kind]
        settings = self._state.settings
        record = self.source.find(kind.records, request.holder.id_type, request.holder.id_number)
        if record is None:
            raise NoRecord(kind.no_record)
        now = self._state.now()
        today = now.astimezone(settings.zone).date()
        if request.period is not None:
            period = (request.period.first, request.period.last)
        else:
            period = layout.default_period(record, today)
        if period[1] > today.strftime("%Y-%m"):
            raise PeriodProblem("'to' lies in the future; the newest month that can be certified is this one")
        issuer = kind.issuer(settings)
        valid_until = today + dt.timedelta(days=settings.certificate_valid_days)
        for _attempt in range(3):  # a repeated code is astronomically rare; the unique index is the judge
            code = new_code()
            verify_url = f"{verify_base}/verify/{display(code)}"
            page = layout.build(kind, record, period, layout.Issue(code, issuer, today, valid_until, verify_url))
            pdf = self.draw(page, now)
            signed = self.signer.sign(pdf.pdf, reason=f"{kind.title}，验证码 {display(code)}", location=issuer)
            digest = hashlib.sha256(signed).hexdigest()
            row = IssuedCertificate(
                code=code, kind=kind.code, holder_id_type=record.id_type,
                holder_index=self._state.keys.id_index(record.id_type, record.id_number),
                holder_id_masked=mask_id(record.id_number), holder_name_masked=mask_name(record.name),
                period_from=period[0], period_to=period[1], kiosk_id=kiosk_id,
                identity_check=request.identity_check, identity_score=request.face_score, sha256=digest,
                size=len(signed), signer_sha256=self.signer.fingerprint, issued_at=now, valid_until=valid_until,
            )  # fmt: skip
            try:
                with self._state.db.write() as db, db.begin():
                    db.add(row)
            except IntegrityError:
                continue
            reply = CertificateIssued(
                code=display(code), kind=request.kind, title=kind.title, issued_at=now, valid_until=valid_until,
                period=Period(first=period[0], last=period[1]), pages=pdf.pages, size=len(signed), sha256=digest,
                verify_url=verify_url, pdf_base64=base64.b64encode(signed).decode(),
            )  # fmt: skip
            return Issued(reply, signed)
        raise RuntimeError("could not store a new verification code three times; check the database")

    def draw(self, page: layout.Layout, now: dt.datetime) -> render.Rendered:
        """The unsigned PDF: from the cut-down faces, or the full ones when the text needs a rarer character."""
        full, full_bold, regular, bold = self.faces()
        needed = {ord(c) for c in page.text() if not c.isspace()}
        face_path, face_index = regular, 0
        if not needed <= fonts.coverage(regular):
            face_path, face_index = full.path, full.index
            if not needed <= fonts.coverage(face_path, face_index):
                raise GlyphMissing("a character on the certificate has no glyph in Noto Sans CJK SC")
        chosen = render.Fonts(face_path, face_index, bold, 0)
        seal = seal_png(page.issuer, full_bold.path, full_bold.index)
        return render.render(page, chosen, seal, now)
