"""``kioskhub certificates …``: make the signing key, revoke a certificate, list what was issued."""

from __future__ import annotations

import json
from typing import Annotated

import typer

app = typer.Typer(help="Certificates (证明打印): the signing key, revocation, the list issued.", no_args_is_help=True)


@app.command("init-key")
def init_key(
    organisation: Annotated[str, typer.Option("--organisation", help="O= of the self-signed certificate")] = "kioskhub",
    init: Annotated[bool, typer.Option("--init", help="create a new, empty hub there if there is none yet")] = False,
) -> None:
    """Make the signing key and self-signed certificate (mode 0600) unless there is one, and the cut-down font.

    Both are otherwise made by the first certificate, which then takes some seconds longer.
    """
    from hub.certificates import fonts
    from hub.certificates.issuer import cut_faces
    from hub.certificates.signing import HubSigner, key_path
    from hub.cli import _database, _fail, _now, _settings

    settings = _settings()
    with _database(settings, init=init):
        pass  # a key made for a data dir that holds no hub would sign for nobody
    path = key_path(settings.certificate_key_dir)
    existed = path.exists()
    signer = HubSigner.load_or_create(settings.certificate_key_dir, organisation, _now())
    said = "already there" if existed else "created"
    typer.echo(f"signing key {said}: {path} (copy it to every hub node); certificate SHA-256 {signer.fingerprint}")
    try:
        regular = fonts.find("regular", settings.certificate_font)
        cut = cut_faces(regular, fonts.find("bold", settings.certificate_font), settings.certificate_cache_dir)
    except fonts.FontMissing as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"font: {regular.path} cut down to {cut[0]}")


@app.command("revoke")
def revoke(
    code: Annotated[str, typer.Argument(help="verification code as printed, e.g. K7QD-3M9X-A2HP-T6WC")],
    reason: Annotated[str, typer.Option("--reason", help="shown on the check page, e.g. 信息有误，已重新出具")],
) -> None:
    """Revoke a certificate: its check page says 已撤销 with the date and reason from now on."""
    from hub.certificates import issued
    from hub.certificates.codes import display, normalise
    from hub.cli import EXIT_USAGE, _audited, _database, _fail, _now

    stored = normalise(code)
    if stored is None:
        raise _fail("that is not a verification code (16 letters and digits, XXXX-XXXX-XXXX-XXXX); "
                    "copy it from the certificate", EXIT_USAGE)  # fmt: skip
    reason = reason.strip()
    if not 1 <= len(reason) <= 200:
        raise _fail("--reason must say why, in at most 200 characters", EXIT_USAGE)
    try:
        with _database() as db, db.write() as session, session.begin():
            done = issued.revoke(session, stored, reason, _now())
            _audited(session, "certificates.revoke", display(stored), reason)
    except issued.UnknownCode:
        raise _fail(f"no certificate was issued with code {display(stored)}; check the code", EXIT_USAGE) from None
    when = done.at.isoformat(timespec="seconds")
    typer.echo(f"certificate {display(stored)} " + (f"was already revoked at {when}" if done.already
                                                   else f"revoked at {when}"))  # fmt: skip


@app.command("list")
def list_issued(
    limit: Annotated[int, typer.Option("--limit", min=1, max=10000, help="newest first")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON only")] = False,
) -> None:
    """The newest certificates issued: code, kind, holder (masked), kiosk, issue time, revoked or not."""
    from hub.certificates import issued
    from hub.certificates.codes import display
    from hub.cli import _audited, _database

    with _database() as db:
        with db.write() as session, session.begin():
            _audited(session, "certificates.list", detail=f"newest {limit}")  # holders are shown, masked
        with db.read() as session:
            rows = [
                {
                    "code": display(r.code), "kind": r.kind, "holder": f"{r.holder_name_masked} {r.holder_id_masked}",
                    "kiosk": r.kiosk_id, "issued_at": r.issued_at.isoformat(),
                    "valid_until": r.valid_until.isoformat(), "revoked": r.revoked_at is not None, "sha256": r.sha256,
                }
                for r in issued.recent(session, limit)
            ]  # fmt: skip
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    if not rows:
        typer.echo("no certificates issued yet")
    for r in rows:
        state = "revoked" if r["revoked"] else "valid"
        typer.echo(f"{r['code']}\t{r['kind']}\t{r['holder']}\t{r['kiosk']}\t{r['issued_at']}\t{state}")
