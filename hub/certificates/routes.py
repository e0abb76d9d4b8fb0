"""Certificate routes: the kiosk's POST /api/v1/certificates, and the public check page under /verify."""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from hub import id_lookups
from hub.certificates import issued, replay, throttle
from hub.certificates.codes import display, normalise
from hub.certificates.fonts import FontMissing
from hub.certificates.issuer import GlyphMissing, Issuer, NoRecord, PeriodProblem
from hub.certificates.kinds import KINDS
from hub.certificates.schemas import CertificateIssued, CertificateRequest
from hub.certificates.signing import SignatureCheck
from hub.db.certificate_models import IssuedCertificate
from hub.errors import field_error
from hub.intake import utc
from hub.record_sources import RecordsUnavailable
from hub.replies import REPLAYED, KeyReused, key_reused, request_mac
from hub.state import CallerDep, HubState, StateDep

router = APIRouter(tags=["certificates"])
templates = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")
MAX_UPLOAD = 5 * 1024 * 1024  # an issued certificate is well under 200 KB
_issuer_lock = threading.Lock()
_CHECK_TYPES = {"card_read": "读取居民身份证", "face_verified": "身份证件读取及人脸核验", "manual": "工作人员人工核验"}


def issuer(request: Request, state: StateDep) -> Issuer:
    """The process's one Issuer, made on first use (it loads the signing key and finds the font)."""
    made = getattr(request.app.state, "certificates", None)
    if made is None:
        with _issuer_lock:
            made = getattr(request.app.state, "certificates", None)
            if made is None:
                made = request.app.state.certificates = Issuer(state)
    return made


IssuerDep = Annotated[Issuer, Depends(issuer)]


def _refusal(status: int, code: str, detail: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"detail": detail, "code": code, **extra}, status_code=status)


@router.post(
    "/api/v1/certificates",
    response_model=CertificateIssued,
    responses={
        404: {"description": '`{"detail": "没有找到…", "code": "no_record"}`: show the detail to the citizen'},
        409: {"description": '`{"code": "key_reused"}`: this Idempotency-Key came with another request'},
        410: {"description": '`{"code": "pdf_gone", "certificate_code": …}`: issued under this key long ago; '
                             "the PDF is no longer kept"},
        422: {"description": "an unknown kind, a bad ID number or period (names the field)"},
        429: {"description": '`{"code": "lookup_rate_limited"}` + Retry-After: this kiosk made too many lookups'},
        503: {"description": '`{"code": "records_unavailable"}`: the records source did not answer; try later'},
    },
)
async def issue_certificate(
    request: Request, body: CertificateRequest, state: StateDep, caller: CallerDep
) -> CertificateIssued | JSONResponse:
    """Issue a signed A4 certificate for the holder; the PDF comes back base64 in ``pdf_base64``.

    A lookup by ID number: counted against the kiosk's limit (429 past it) and audited. With an
    ``Idempotency-Key``, a repeat gets the first certificate again (see ``replay``), never a second code.
    """
    key = request.headers.get("Idempotency-Key")
    mac = request_mac(state.keys, replay.KIND, body.model_dump(mode="json", by_alias=True))
    if key is not None:
        try:
            kept = await run_in_threadpool(_kept, state, caller.kiosk_id, key, mac)
        except KeyReused:
            return key_reused()
        if kept is not None:
            return kept
    try:
        desk = await run_in_threadpool(issuer, request, state)
    except (FontMissing, ValueError) as exc:
        return _refusal(503, "certificates_unavailable", f"the hub cannot issue certificates: {exc}")
    except RecordsUnavailable as exc:
        return _refusal(503, "records_unavailable", f"记录查询暂不可用，请稍后再试 ({exc})")
    base = state.settings.public_url or str(request.base_url).rstrip("/")
    try:
        done = await run_in_threadpool(
            id_lookups.audited, state, caller, f"certificate:{body.kind}", body.holder.id_type,
            body.holder.id_number, lambda: desk.issue(body, caller.kiosk_id, base), lambda _done: True,
        )
    except NoRecord as exc:
        return _refusal(404, "no_record", str(exc))
    except RecordsUnavailable as exc:
        return _refusal(503, "records_unavailable", f"记录查询暂不可用，请稍后再试 ({exc})")
    except PeriodProblem as exc:
        raise field_error(("body", "period", "to"), str(exc)) from None
    except GlyphMissing as exc:
        return _refusal(500, "font_missing_glyph", f"{exc}; print this certificate at the counter")
    except FontMissing as exc:
        return _refusal(503, "certificates_unavailable", f"the hub cannot issue certificates: {exc}")
    if key is not None:
        await run_in_threadpool(_keep, state, caller.kiosk_id, key, mac, done.reply)
    return done.reply


def _kept(state: HubState, kiosk_id: str, key: str, mac: str) -> Response | None:
    now = state.now()
    with state.db.write() as db, db.begin():
        replay.forget_pdfs(db, now)
        kept = replay.find(db, kiosk_id, key, mac, now)
    if kept is None:
        return None
    if not kept.whole:
        code = json.loads(kept.body)["code"]
        return _refusal(410, "pdf_gone", f"certificate {code} was issued under this key; its PDF is no longer "
                        "kept: print it from the file the kiosk received, or issue a new one with a new key",
                        certificate_code=code)
    return Response(kept.body, media_type="application/json", headers={REPLAYED: "true"})


def _keep(state: HubState, kiosk_id: str, key: str, mac: str, reply: CertificateIssued) -> None:
    with state.db.write() as db, db.begin():
        replay.keep(db, kiosk_id, key, mac, reply.model_dump_json(by_alias=True), state.now())


# --- the public check page ------------------------------------------------------------------------


def _source(request: Request, state: HubState) -> str:
    """Who is asking, as a keyed hash (uvicorn puts the proxy's X-Forwarded-For here when it trusts it)."""
    host = request.client.host if request.client else "unknown"
    return state.keys.request_mac(f"verify-source:{host}")


def _limits(state: HubState) -> throttle.Limits:
    s = state.settings
    return throttle.Limits(s.verify_window_seconds, s.verify_lookups_per_window, s.verify_misses_per_window)


def _lookup(state: HubState, source: str, typed: str) -> tuple[str, IssuedCertificate | None, int]:
    """Throttle, then find the code: ('ok'|'malformed'|'unknown'|'throttled', row, retry_after)."""
    now = state.now()
    with state.db.write() as db, db.begin():
        verdict = throttle.admit(db, source, now, _limits(state))
        if not verdict.allowed:
            return "throttled", None, verdict.retry_after
        code = normalise(typed)
        row = issued.find(db, code) if code is not None else None
        if row is None:
            throttle.missed(db, source, now, _limits(state))
            return ("malformed" if code is None else "unknown"), None, 0
        return "ok", row, 0


def _view(state: HubState, row: IssuedCertificate) -> dict[str, Any]:
    """What the page shows of an issued certificate: nothing a stranger holding the code should not see."""
    zone = state.settings.zone
    kind = KINDS.get(row.kind)
    today = state.now().astimezone(zone).date()
    status = "revoked" if row.revoked_at is not None else ("expired" if row.valid_until < today else "valid")
    return {
        "code": display(row.code),
        "status": status,
        "title": kind.title if kind else row.kind,
        "issuer": kind.issuer(state.settings) if kind else "",
        "issued_at": utc(row.issued_at).astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        "valid_until": row.valid_until.isoformat(),
        "holder_name": row.holder_name_masked,
        "holder_id": row.holder_id_masked,
        "period": f"{row.period_from} 至 {row.period_to}" if row.period_from else None,
        "identity_check": _CHECK_TYPES.get(row.identity_check, row.identity_check),
        "sha256": row.sha256,
        "revoked_at": utc(row.revoked_at).astimezone(zone).strftime("%Y-%m-%d %H:%M") if row.revoked_at else None,
        "revoke_reason": row.revoke_reason,
    }


def _page(
    request: Request, context: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    # never cached: a revocation must show at once; never indexed by search engines
    base = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}
    context = {"state": "form", "typed": "", "max_mb": MAX_UPLOAD // (1024 * 1024), **context}
    return templates.TemplateResponse(request, "verify.html", context, status_code=status,
                                      headers={**base, **(headers or {})})  # fmt: skip


def _not_found(request: Request, state_name: str, typed: str, retry_after: int) -> Response:
    if state_name == "throttled":
        minutes = max(1, -(-retry_after // 60))
        return _page(request, {"state": "throttled", "minutes": minutes}, 429, {"Retry-After": str(retry_after)})
    return _page(request, {"state": state_name, "typed": typed[:40]}, 404)


@router.get("/verify", include_in_schema=False)
async def verify_form(request: Request, code: str | None = None) -> Response:
    """The page to type a code from paper; a typed code goes on to /verify/{code}."""
    if code:
        typed = normalise(code)
        segment = display(typed) if typed else quote(code.strip()[:40], safe="")  # stays one path segment here
        return RedirectResponse(f"/verify/{segment}", status_code=303)
    return _page(request, {})


@router.get("/verify/hub-signing-certificate.pem", include_in_schema=False)
async def signing_certificate(request: Request, state: StateDep) -> Response:
    """The hub's signing certificate, for checkers who validate the PDF's signature in their own reader."""
    desk = await run_in_threadpool(issuer, request, state)
    return PlainTextResponse(desk.signer.certificate_pem, media_type="application/x-pem-file")


@router.get("/verify/{code}", include_in_schema=False)
async def verify_page(request: Request, state: StateDep, code: str) -> Response:
    """Whether the code was issued, when, which kind, the holder masked, the digest; and a form to upload the PDF."""
    found, row, retry = await run_in_threadpool(_lookup, state, _source(request, state), code)
    if row is None:
        return _not_found(request, found, code, retry)
    return _page(request, {"state": "found", "cert": _view(state, row)})


@router.post("/verify/{code}", include_in_schema=False)
async def verify_upload(request: Request, state: StateDep, code: str, pdf: UploadFile | None = None) -> Response:
    """Compare an uploaded PDF with what was issued under the code: the digest, then the hub's signature."""
    found, row, retry = await run_in_threadpool(_lookup, state, _source(request, state), code)
    if row is None:
        return _not_found(request, found, code, retry)
    view = _view(state, row)
    if pdf is None:
        return _page(request, {"state": "found", "cert": view, "upload_problem": "请选择要核对的 PDF 文件"}, 422)
    data = await pdf.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD or not data:
        problem = "文件为空" if not data else f"文件超过 {MAX_UPLOAD // (1024 * 1024)} MB，不是本系统出具的证明"
        return _page(request, {"state": "found", "cert": view, "upload_problem": problem}, 422)
    desk = await run_in_threadpool(issuer, request, state)
    check = await asyncio.to_thread(desk.signer.check, data)
    result = judge(hashlib.sha256(data).hexdigest() == row.sha256, check, row.signer_sha256)
    return _page(request, {"state": "found", "cert": view, "result": result})


def judge(same_digest: bool, check: SignatureCheck, issued_by: str) -> dict[str, str]:
    """The verdict on an uploaded file: exact (the issued file), altered, other (a genuine but different one)."""
    signature = _signature_words(check, issued_by)
    if same_digest:
        return {"verdict": "exact", "headline": "与出具的文件完全一致", "signature": signature}
    if check.ok and check.signer_sha256 == issued_by:
        return {"verdict": "other", "signature": signature,
                "headline": "签名有效，但这份文件不是此验证码对应的证明，请核对验证码"}  # fmt: skip
    return {"verdict": "altered", "signature": signature, "headline": "文件与出具的不一致：已被改动，或不是此证明"}


def _signature_words(check: SignatureCheck, issued_by: str) -> str:
    if not check.signed:
        return "文件中没有本中心的数字签名"
    if not check.intact:
        return "数字签名校验失败：签名之后文件内容被改动"
    if not check.whole_file:
        return "签名之后文件被追加修改"
    if not check.trusted or check.signer_sha256 != issued_by:
        return "数字签名不是本中心的签名证书所签"
    return "数字签名有效（本中心签名证书，签名后未被改动）"
