"""The ``kioskhub`` command: serve the hub; kiosks, records, staff and helper accounts; the audit trail."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from common import umask
from hub.certificates.commands import app as certificates_app
from hub.settings import ConfigError, HubSettings, load_settings

app = typer.Typer(
    name="kioskhub",
    help="Reference central intake server for self-service kiosks.",
    no_args_is_help=False,
    add_completion=False,
)
kiosks = typer.Typer(help="The kiosk registry: add (with a token or a pairing code), rotate, revoke, list.",
                     no_args_is_help=True)
app.add_typer(kiosks, name="kiosks")
queue_app = typer.Typer(help="Queue services per site (取号).", no_args_is_help=True)
app.add_typer(queue_app, name="queue")
records_app = typer.Typer(
    help="Reference records (住房公积金, 社保) that record queries answer from.", no_args_is_help=True
)
app.add_typer(records_app, name="records")
helpers_app = typer.Typer(help="Helper accounts for remote video help (/helper).", no_args_is_help=True)
app.add_typer(helpers_app, name="helpers")
app.add_typer(certificates_app, name="certificates")
staff_app = typer.Typer(help="Staff accounts, one per person, each with a role (the staff pages at /staff).",
                        no_args_is_help=True)
app.add_typer(staff_app, name="staff")
keys_app = typer.Typer(help="The hub's key ring: list, rotate (or stage, then activate), retire a former key.",
                       no_args_is_help=True)
app.add_typer(keys_app, name="keys")
audit_app = typer.Typer(help="The audit trail: who viewed or changed what, when, from where (read only).",
                        no_args_is_help=True)
app.add_typer(audit_app, name="audit")
alerts_app = typer.Typer(help="Fleet alerts raised from the kiosks' heartbeats.", no_args_is_help=True)
app.add_typer(alerts_app, name="alerts")
catalogue_app = typer.Typer(help="Signed, versioned bundles of a site's service items.", no_args_is_help=True)
app.add_typer(catalogue_app, name="catalogue")
assisted_app = typer.Typer(help="The 帮办代办 台账: cases filled in with a helper.", no_args_is_help=True)
app.add_typer(assisted_app, name="assisted")

EXIT_FAILED = 1
EXIT_USAGE = 2

# Admin commands work on an existing hub only: run in a shell without KIOSKHUB_DATA_DIR they once
# made a new, empty hub in ./var/hub and printed a kiosk token that worked nowhere.
InitOption = Annotated[bool, typer.Option("--init", help="create a new, empty hub there if there is none yet")]


def _settings() -> HubSettings:
    try:
        return load_settings()
    except ConfigError as exc:
        typer.echo(f"kioskhub: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None


def _fail(message: str, code: int = EXIT_FAILED) -> typer.Exit:
    typer.echo(f"kioskhub: {message}", err=True)
    return typer.Exit(code)


@contextlib.contextmanager
def _database(settings: HubSettings | None = None, *, init: bool | None = None) -> Iterator[Any]:
    """The hub's database, migrated, for one command; disposed when the command is done.

    Says on stderr which hub it is (stdout keeps a token or password as its last word). Unless
    ``init`` is true, a data dir or database that holds no hub yet is refused rather than created;
    ``init=None`` means the command has no --init option (the refusal then names one that has).
    """
    settings = settings or _settings()
    db = _open_db(settings, init=bool(init), can_init=init is not None)
    typer.echo(f"kioskhub: hub in {settings.data_dir.resolve()}, database {_shown_url(settings.db_url)}", err=True)
    try:
        yield db
    finally:
        db.dispose()


def _open_db(settings: HubSettings, *, init: bool = True, can_init: bool = False):  # type: ignore[no-untyped-def]
    """Open and migrate the database; unless ``init``, only where a hub already is (exit 2 otherwise)."""
    from sqlalchemy.exc import OperationalError

    from hub.db.session import Database, current_revision, migrate

    sqlite_file = _sqlite_file(settings.db_url)
    if not init and sqlite_file is not None and not sqlite_file.is_file():
        raise _no_hub(settings, can_init)  # checked first: opening SQLite would create the file
    db = Database(settings.db_url, pool_size=1)
    try:
        if not init and current_revision(db.engine) is None:
            db.dispose()
            raise _no_hub(settings, can_init)
        migrate(db.engine)
    except OperationalError as exc:
        db.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "cannot connect"
        raise _fail(f"database {_shown_url(settings.db_url)} unavailable ({reason}); "
                    "check KIOSKHUB_DATABASE_URL / KIOSKHUB_DATA_DIR") from None
    return db


def _no_hub(settings: HubSettings, can_init: bool) -> typer.Exit:
    create = ("add --init to create a new, empty hub there" if can_init
              else "create one with 'kioskhub kiosks add --init ...' or 'kioskhub serve'")
    if settings.database_url:  # PostgreSQL, or a SQLite file of its own outside the data dir
        where = f"the database {_shown_url(settings.db_url)} holds no hub yet; check KIOSKHUB_DATABASE_URL"
    else:
        unset = "" if "data_dir" in settings.model_fields_set else " (the default: KIOSKHUB_DATA_DIR is not set)"
        where = (f"no hub in {settings.data_dir.resolve()} yet{unset}; point KIOSKHUB_DATA_DIR at the hub's "
                 "data dir (under systemd /var/lib/kioskhub)")
    return _fail(f"{where}, or {create}", EXIT_USAGE)


def _sqlite_file(url: str) -> Path | None:
    """The SQLite file of a database URL; None for PostgreSQL (and an in-memory SQLite)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _shown_url(url: str) -> str:
    """A database URL fit to print: the password masked."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@app.callback(invoke_without_command=True)
def main_callback(ctx: typer.Context) -> None:
    """With no command, serve."""
    if ctx.invoked_subcommand is None:
        serve()


@app.command()
def serve() -> None:
    """Serve the hub on KIOSKHUB_HOST:KIOSKHUB_PORT (127.0.0.1:8780 by default)."""
    import uvicorn

    from hub.app import create_app, legacy_staff_password
    from hub.personal import Keys
    from hub.serving import serve_workers

    settings = _settings()
    proxies = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
    if "*" in proxies:
        # anyone could then claim any client address (the throttles' key) and https (HSTS, Secure cookies)
        raise _fail('FORWARDED_ALLOW_IPS="*" believes X-Forwarded-For and -Proto from anyone; name the TLS '
                    'proxies\' addresses, e.g. FORWARDED_ALLOW_IPS="127.0.0.1,::1"', EXIT_USAGE)
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("kioskhub").info("X-Forwarded-For and X-Forwarded-Proto believed from %s only", proxies)
    # serve makes the data dir and database on first start; migrate (or fail in one line) before binding
    db = _open_db(settings)
    with db.read() as session:
        from hub.staff.accounts import count_active

        accounts = count_active(session)
    db.dispose()
    refusal = legacy_staff_password(settings, accounts)
    if refusal is not None:
        raise _fail(refusal, EXIT_USAGE)
    if accounts == 0:
        logging.getLogger("kioskhub").warning("no staff account yet: nobody can log in at /staff; add one with "
                                              "'kioskhub staff add --username NAME --name 姓名 --role supervisor'")
    logging.getLogger("kioskhub").info("hub in %s, database %s", settings.data_dir.resolve(),
                                       _shown_url(settings.db_url))
    Keys.load_or_create(settings.secret_path)
    common = {"host": settings.host, "port": settings.port, "log_level": settings.log_level.lower()}
    if settings.workers > 1:
        # Workers re-read the same environment and TOML file through the factory.
        serve_workers("hub.app:app_from_env", settings.workers, **common)
    else:
        uvicorn.run(create_app(settings), **common)


PairingOption = Annotated[bool, typer.Option(
    "--pairing", help="print a one-time pairing code (8 characters, 30 minutes) instead of the token; the kiosk "
                      "exchanges it with 'kioskctl enroll --hub URL --code CODE' or on its maintenance screen")]


@kiosks.command("add")
def kiosks_add(
    kiosk_id: Annotated[str, typer.Option("--id", help="kiosk id, e.g. yc-hall-01")],
    site: Annotated[str, typer.Option("--site", help="site id (hall, bank branch, post office)")],
    site_kind: Annotated[str | None, typer.Option("--site-kind", help="hall, bank, post, community or other")] = None,
    region: Annotated[str | None, typer.Option("--region", help="行政区划 code of the site, e.g. 640104")] = None,
    site_name: Annotated[str | None, typer.Option("--site-name", help="display name of the site")] = None,
    pairing: PairingOption = False,
    init: InitOption = False,
) -> None:
    """Register a kiosk (or bring a revoked one back); prints its token last, or with --pairing a pairing code.

    Neither is stored: the token cannot be shown again (kioskhub kiosks rotate makes a new one).
    """
    from hub.registry import RegistryError, add_kiosk, is_revoked

    settings = _settings()
    try:
        with _database(settings, init=init) as db, db.write() as session, session.begin():
            back = is_revoked(session, kiosk_id)
            token = add_kiosk(session, kiosk_id, site, _now(), site_kind, region, site_name)
            code = _pairing_code(settings, session, kiosk_id) if pairing else None
    except RegistryError as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    what = f"kiosk {kiosk_id} was revoked; it is active again at site {site}" if back \
        else f"kiosk {kiosk_id} registered at site {site}"
    typer.echo(f"{what}; {code}" if code else f"{what}; set KIOSK_HUB_TOKEN on it to: {token}")


@kiosks.command("rotate")
def kiosks_rotate(
    kiosk_id: Annotated[str, typer.Option("--id", help="kiosk id")],
    pairing: PairingOption = False,
) -> None:
    """Re-key a kiosk: its old token stops working now; prints the new token last, or with --pairing a pairing code."""
    from hub.registry import RegistryError, rotate_kiosk

    settings = _settings()
    try:
        with _database(settings) as db, db.write() as session, session.begin():
            token = rotate_kiosk(session, kiosk_id)
            code = _pairing_code(settings, session, kiosk_id) if pairing else None
    except RegistryError as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    what = f"kiosk {kiosk_id}: its old token no longer works"
    typer.echo(f"{what}; {code}" if code else f"{what}; set KIOSK_HUB_TOKEN on it to: {token}")


def _pairing_code(settings: HubSettings, session: Any, kiosk_id: str) -> str:
    """The sentence that ends with a new pairing code for the kiosk (the token made with it stays unseen)."""
    from hub import pairing
    from hub.personal import Keys

    code, expires = pairing.issue(session, Keys.load_or_create(settings.secret_path), kiosk_id, _now())
    until = expires.astimezone(settings.zone).strftime("%H:%M")
    hub = settings.public_url or "https://HUB"
    return (f"before {until} ({settings.timezone}), on the kiosk, run 'kioskctl enroll --hub {hub} --code CODE' "
            f"or enter the code on its maintenance screen; the code works once. Pairing code: {code}")


@kiosks.command("revoke")
def kiosks_revoke(kiosk_id: Annotated[str, typer.Option("--id", help="kiosk id")]) -> None:
    """Revoke a kiosk's token (and its unused pairing code); its requests get 401 from now on.

    'kioskhub kiosks add' with the same id brings it back with a new token.
    """
    from hub.registry import RegistryError, revoke_kiosk

    try:
        with _database() as db, db.write() as session, session.begin():
            changed = revoke_kiosk(session, kiosk_id, _now())
    except RegistryError as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    typer.echo(f"kiosk {kiosk_id} revoked" if changed else f"kiosk {kiosk_id} was already revoked")


@kiosks.command("list")
def kiosks_list(as_json: Annotated[bool, typer.Option("--json", help="print JSON only")] = False) -> None:
    """Every registered kiosk with its site, state and last heartbeat."""
    import json

    from hub.registry import list_kiosks

    with _database() as db, db.read() as session:
        rows = list_kiosks(session)
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "id": k.id,
                        "site": k.site_id,
                        "site_kind": k.site_kind,
                        "region_code": k.region_code,
                        "revoked": k.revoked,
                        "last_seen_at": k.last_seen_at.isoformat() if k.last_seen_at else None,
                    }
                    for k in rows
                ],
                ensure_ascii=False,
            )
        )
        return
    if not rows:
        typer.echo("no kiosks registered; add one with: kioskhub kiosks add --id ID --site SITE")
        return
    for k in rows:
        state = "revoked" if k.revoked else "active"
        seen = k.last_seen_at.isoformat(timespec="seconds") if k.last_seen_at else "never"
        typer.echo(f"{k.id}\t{k.site_id}\t{k.site_kind}\t{state}\tlast seen {seen}")


@app.command("fleet")
def fleet_show(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON only")] = False,
    site: Annotated[str | None, typer.Option("--site", help="only this site")] = None,
    region: Annotated[str | None, typer.Option("--region", help="a 行政区划 code or its start, e.g. 6401")] = None,
    problem: Annotated[str | None, typer.Option("--problem", help="'any', or a kind such as paper_out")] = None,
) -> None:
    """Every kiosk's state as the staff fleet page shows it: online, devices, backlog, disk, versions, problems."""
    from hub.fleet import FilterError, Limits, fleet
    from hub.registry import list_kiosks

    settings = _settings()
    with _database(settings) as db, db.read() as session:
        rows = list_kiosks(session)
    try:
        found = fleet(rows, _now(), Limits.from_settings(settings), site=site, region=region, problem=problem)
    except FilterError as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    if as_json:
        typer.echo(found.model_dump_json())
        return
    c = found.counts
    typer.echo(f"{c.kiosks} kiosks, {c.online} online, {c.offline} offline, {c.with_problems} with problems")
    for k in found.kiosks:
        where = f"{k.site_id}/{k.region_code or '-'}"
        state = "revoked" if k.revoked else ("online" if k.online else "OFFLINE")
        issues = ", ".join(p.kind + (f"({p.subject})" if p.subject else "") for p in k.problems) or "ok"
        typer.echo(f"{k.id}\t{where}\t{state}\tbacklog {k.outbox_pending if k.outbox_pending is not None else '-'}"
                   f"\t{k.catalog_version or '-'}\t{issues}")


@alerts_app.command("list")
def alerts_list(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON only")] = False,
    include_cleared: Annotated[bool, typer.Option("--all", help="cleared alerts too")] = False,
) -> None:
    """Raised alerts, newest first: the open ones (with --all the cleared ones too)."""
    from hub.alerts import listing

    with _database() as db, db.read() as session:
        found = listing(session, include_cleared=include_cleared)
    if as_json:
        typer.echo(json.dumps([a.model_dump(mode="json") for a in found], ensure_ascii=False))
        return
    if not found:
        typer.echo("no open alerts" if not include_cleared else "no alerts")
    for a in found:
        cleared = f"\tcleared {a.cleared_at.isoformat(timespec='seconds')}" if a.cleared_at else ""
        subject = f"({a.subject})" if a.subject else ""
        typer.echo(f"{a.raised_at.isoformat(timespec='seconds')}\t{a.kiosk_id}\t{a.kind}{subject}\t{a.detail}{cleared}")


@catalogue_app.command("publish")
def catalogue_publish(
    source: Annotated[Path, typer.Argument(help="folder: definitions (*.yaml), locale/, prompts/")],
    site: Annotated[str, typer.Option("--site", help="site id, as given to 'kiosks add'")],
) -> None:
    """Sign the folder's service items as the site's next catalogue version (kiosks check every item)."""
    from hub.catalogue_bundles import PublishError, publish

    settings = _settings()
    with _database(settings) as db, db.read() as session:
        from hub.db.models import Site

        if session.get(Site, site) is None:
            raise _fail(f"no site {site}; see kioskhub kiosks list", EXIT_USAGE)
    try:
        version, path = publish(settings.data_dir, site, source, _now())
    except PublishError as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    typer.echo(f"published version {version} for site {site} ({path.stat().st_size} bytes)")


@catalogue_app.command("key")
def catalogue_key() -> None:
    """The public key kiosks check bundles with (KIOSK_CATALOGUE_KEY); made with the first publish if none yet."""
    from hub.catalogue_bundles import public_key_text

    settings = _settings()
    with _database(settings):
        pass  # an existing hub only
    typer.echo(public_key_text(settings.data_dir))


@queue_app.command("add-service")
def queue_add_service(
    site: Annotated[str, typer.Option("--site", help="site id, as given to 'kiosks add'")],
    code: Annotated[str, typer.Option("--code", help="service code, e.g. social_security")],
    prefix: Annotated[str, typer.Option("--prefix", help="ticket letter, A-Z")],
    name: Annotated[str, typer.Option("--name", help="name shown to citizens, e.g. 社保业务")],
    minutes: Annotated[float, typer.Option("--minutes", help="average minutes per person")] = 5.0,
    windows: Annotated[int, typer.Option("--windows", help="windows serving it")] = 1,
    opens: Annotated[str | None, typer.Option("--opens", help="first time to take a number, HH:MM hall time")] = None,
    closes: Annotated[str | None, typer.Option("--closes", help="no numbers from this time on, HH:MM")] = None,
    daily_limit: Annotated[int | None, typer.Option("--daily-limit", help="most numbers a day (walk-ins)")] = None,
    start: Annotated[int, typer.Option("--start", help="first number of the day")] = 1,
    end: Annotated[int | None, typer.Option("--end", help="last number; after it the day is full")] = None,
) -> None:
    """Add or change a service citizens can take a number for at a site (options left out take their defaults)."""
    from hub.queue.errors import QueueError
    from hub.queue.services import add_service

    try:
        with _database() as db, db.write() as session, session.begin():
            add_service(session, site, code, prefix, name, minutes, windows,
                        opens=opens, closes=closes, daily_limit=daily_limit, start=start, end=end)  # fmt: skip
    except QueueError as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    hours = f"{opens}-{closes}" if opens else "all day"
    limit = f", at most {daily_limit} a day" if daily_limit else ""
    typer.echo(
        f"service {code} ({prefix}) at {site}: {name}, {minutes:g} min/person, {windows} window(s), {hours}{limit}"
    )


@queue_app.command("list")
def queue_list(site: Annotated[str, typer.Option("--site", help="site id")]) -> None:
    """The queue services of a site."""
    from hub.queue.services import services

    with _database() as db, db.read() as session:
        rows = [
            (s.prefix, s.code, s.name, s.minutes_per_person, s.windows, s.opens, s.closes, s.daily_limit)
            for s in services(session, site)
        ]
    if not rows:
        typer.echo(f"no queue services at {site}; add one with: kioskhub queue add-service")
    for prefix, code, name, minutes, windows, opens, closes, limit in rows:
        hours = f"{opens}-{closes}" if opens else "all day"
        typer.echo(f"{prefix}\t{code}\t{name}\t{minutes:g} min\t{windows} window(s)\t{hours}\t{limit or '-'}")


@queue_app.command("set-weights")
def queue_set_weights(
    site: Annotated[str, typer.Option("--site", help="site id")],
    elderly: Annotated[int | None, typer.Option("--elderly", help="weight of citizens 60+ (0 turns it off)")] = None,
    pregnant: Annotated[int | None, typer.Option("--pregnant", help="weight of declared pregnancy")] = None,
    disability: Annotated[int | None, typer.Option("--disability", help="weight of declared disability")] = None,
    appointment: Annotated[int | None, typer.Option("--appointment", help="weight of checked-in appointments")] = None,
    reset: Annotated[bool, typer.Option("--reset", help="back to the hub's KIOSKHUB_QUEUE_WEIGHT_* values")] = False,
) -> None:
    """Set a site's own priority weights (others keep theirs); tickets issued from now on use them."""
    import json

    from hub.db.models import Site
    from hub.queue.errors import QueueError
    from hub.queue.policy import set_site_weights
    from hub.queue.rules import site_weights

    settings = _settings()
    given = {k: v for k, v in {"elderly": elderly, "pregnant": pregnant, "disability": disability,
                                "appointment": appointment}.items() if v is not None}  # fmt: skip
    if reset == bool(given):
        raise _fail("give --reset, or one or more of --elderly --pregnant --disability --appointment", EXIT_USAGE)
    defaults = {"elderly": settings.queue_weight_elderly, "pregnant": settings.queue_weight_pregnant,
                "disability": settings.queue_weight_disability, "appointment": settings.queue_weight_appointment}
    try:
        with _database(settings) as db, db.write() as session, session.begin():
            row = session.get(Site, site)
            try:
                own = json.loads(row.queue_weights) if row is not None and row.queue_weights else {}
            except ValueError:
                own = {}  # unreadable (edited by hand): replaced by what is given now
            set_site_weights(session, site, None if reset else {**own, **given})
            stored = session.get(Site, site).queue_weights  # type: ignore[union-attr]
    except QueueError as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    effective = site_weights(defaults, stored)
    typer.echo(f"queue weights at {site}: " + ", ".join(f"{k} {v}" for k, v in effective.items())
               + ("" if stored else " (the hub's)"))


@records_app.command("import")
def records_import(
    kind: Annotated[str, typer.Option("--kind", help="housing_fund or social_insurance")],
    file: Annotated[Path, typer.Argument(help="JSON list of records, one object per person")],
    init: InitOption = False,
) -> None:
    """Import records of one kind; a person already on file gets the new record instead of the old."""
    from sqlalchemy.exc import IntegrityError

    from hub.personal import Keys
    from hub.records import KINDS, RecordFileError, import_records, parse_entries

    if kind not in KINDS:
        raise _fail(f"--kind must be one of {', '.join(KINDS)}", EXIT_USAGE)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise _fail(f"{file}: cannot read ({exc.strerror}); give the path of a JSON file", EXIT_USAGE) from None
    try:
        entries = parse_entries(kind, raw)
    except RecordFileError as exc:
        raise _fail(f"{file}: {exc}; nothing was imported", EXIT_USAGE) from None
    settings = _settings()
    try:
        with _database(settings, init=init) as db:
            done = import_records(db.write, Keys.load_or_create(settings.secret_path), kind, entries, _now())
    except IntegrityError:
        raise _fail("another import added some of these people at the same time; run the import again") from None
    typer.echo(f"imported {len(entries)} {kind} record(s): {done.added} new, {done.replaced} replaced")


@records_app.command("count")
def records_count(as_json: Annotated[bool, typer.Option("--json", help="print JSON only")] = False) -> None:
    """How many people have a record, per kind."""
    import json

    from hub.records import counts

    with _database() as db, db.read() as session:
        found = counts(session)
    if as_json:
        typer.echo(json.dumps(found))
        return
    for kind, n in found.items():
        typer.echo(f"{kind}\t{n}")


@records_app.command("generate")
def records_generate(
    out: Annotated[Path, typer.Option("--out", help="folder for social_insurance.json and housing_fund.json")],
    people: Annotated[int, typer.Option("--people", min=1, max=100000, help="how many made-up people")] = 50,
    seed: Annotated[int, typer.Option("--seed", help="the same seed gives the same people")] = 1,
    until: Annotated[str | None, typer.Option("--until", help="newest month, YYYY-MM; default last month")] = None,
    months: Annotated[int, typer.Option("--months", min=0, max=60, help="monthly rows per person")] = 36,
) -> None:
    """Write sample record files of made-up people (valid ID numbers, employers, monthly rows) to import."""
    import json
    import re

    from hub.records import parse_entries
    from hub.sample_people import generate

    if until is None:
        first = dt.date.today().replace(day=1)
        until = (first - dt.timedelta(days=1)).strftime("%Y-%m")
    elif not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", until):
        raise _fail("--until must be a month, YYYY-MM", EXIT_USAGE)
    social, fund = generate(people, seed, until, months)
    out.mkdir(parents=True, exist_ok=True)
    for kind, entries in (("social_insurance", social), ("housing_fund", fund)):
        raw = json.dumps(entries, ensure_ascii=False, indent=1).encode()
        parse_entries(kind, raw)  # what import will check, checked before anything is written
        (out / f"{kind}.json").write_bytes(raw)
    typer.echo(f"wrote {people} made-up people to {out}; import with: kioskhub records import --kind "
               f"social_insurance {out / 'social_insurance.json'} (and housing_fund)")


@helpers_app.command("add")
def helpers_add(
    username: Annotated[str, typer.Option("--username", help="log-in name, e.g. wangfang")],
    name: Annotated[str, typer.Option("--name", help="name shown to citizens and colleagues, e.g. 王芳")],
    init: InitOption = False,
) -> None:
    """Create a helper account; prints its generated password last (it is not stored and cannot be shown again)."""
    from hub.video.accounts import AccountError, add_helper

    try:
        with _database(init=init) as db, db.write() as session, session.begin():
            password = add_helper(session, username, name, _now())
            _audited(session, "helper.add", username)
    except AccountError as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    typer.echo(f"helper {username} ({name.strip()}) added; log in at /helper/login with the password: {password}")


UsernameOption = Annotated[str, typer.Option("--username", help="the helper's log-in name")]


def _helper_change(username: str, change: Any, verb: str) -> Any:
    from hub.video.accounts import AccountError

    try:
        with _database() as db, db.write() as session, session.begin():
            result = change(session)
            _audited(session, f"helper.{verb}", username)
            return result
    except AccountError as exc:
        raise _fail(str(exc), EXIT_USAGE) from None


@helpers_app.command("disable")
def helpers_disable(username: UsernameOption) -> None:
    """Stop a helper logging in; their open console and call pages are closed within seconds."""
    from hub.video.accounts import disable

    _helper_change(username, lambda session: disable(session, username, _now()), "disable")
    typer.echo(f"helper {username} disabled; their sessions have ended")


@helpers_app.command("enable")
def helpers_enable(username: UsernameOption) -> None:
    """Let a disabled helper log in again, with their password (or give a new one with reset)."""
    from hub.video.accounts import enable

    _helper_change(username, lambda session: enable(session, username), "enable")
    typer.echo(f"helper {username} enabled")


@helpers_app.command("reset")
def helpers_reset(username: UsernameOption) -> None:
    """Give a helper a new password (printed last); the old one and every session stop working."""
    from hub.video.accounts import reset

    password = _helper_change(username, lambda session: reset(session, username), "reset")
    typer.echo(f"helper {username}: sessions ended; new password: {password}")


@helpers_app.command("unlock")
def helpers_unlock(username: UsernameOption) -> None:
    """Lift the lock that wrong passwords put on a helper's account."""
    from hub.video.accounts import unlock

    was = _helper_change(username, lambda session: unlock(session, username), "unlock")
    typer.echo(f"helper {username} unlocked" if was else f"helper {username} was not locked")


@helpers_app.command("list")
def helpers_list(as_json: Annotated[bool, typer.Option("--json", help="print JSON only")] = False) -> None:
    """Every helper account with its display name and last log-in."""
    import json

    from hub.video.accounts import list_helpers

    with _database() as db, db.read() as session:
        rows = list_helpers(session)
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "username": h.username,
                        "name": h.display_name,
                        "disabled": h.disabled,
                        "last_login_at": h.last_login_at.isoformat() if h.last_login_at else None,
                    }
                    for h in rows
                ],
                ensure_ascii=False,
            )
        )
        return
    if not rows:
        typer.echo("no helpers yet; add one with: kioskhub helpers add --username U --name 显示名")
    for h in rows:
        seen = h.last_login_at.isoformat(timespec="seconds") if h.last_login_at else "never"
        typer.echo(f"{h.username}\t{h.display_name}\t{'disabled' if h.disabled else 'active'}\tlast login {seen}")


@assisted_app.command("list")
def assisted_list(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON only")] = False,
    site: Annotated[str, typer.Option("--site", help="only this site")] = "",
    helper: Annotated[str, typer.Option("--helper", help="only this helper's account")] = "",
    mode: Annotated[str, typer.Option("--mode", help="video_filling, window or callback")] = "",
) -> None:
    """Assisted cases, newest first: helper, mode, what they entered, 委托书, progress, rating."""
    import json

    from hub.assisted import ledger
    from wire.application import ASSIST_MODES

    if mode and mode not in ASSIST_MODES:
        raise _fail(f"unknown mode {mode!r}; use one of {', '.join(ASSIST_MODES)}", EXIT_USAGE)
    with _database() as db, db.read() as session:
        rows = ledger(session, site=site or None, helper=helper or None, mode=mode or None)
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in rows], ensure_ascii=False))
        return
    if not rows:
        typer.echo("no assisted cases yet")
    for r in rows:
        signed = "委托书已签" if r.authorised else "委托书未签"
        typer.echo(f"{r.received_at.isoformat(timespec='seconds')}\t{r.case_no}\t{r.helper_id}\t{r.mode_label}\t"
                   f"{signed}\t{r.status_label}\t{r.rating or '未评价'}")


@app.command("staff-token", hidden=True)
def show_staff_token() -> None:
    """Gone: the shared staff password was replaced by one account per person."""
    raise _fail("the shared staff password is gone: each person has their own account now; add one with "
                "'kioskhub staff add --username NAME --name 姓名 --role supervisor|clerk|auditor|admin'", EXIT_USAGE)


def _cli_actor() -> Any:
    """The audit trail's actor for a command run on the hub's machine: the system user and host."""
    import getpass
    import socket

    from hub.staff.audit import CLI_ROLE, Actor

    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return Actor(f"cli:{user}@{socket.gethostname()}", CLI_ROLE, "cli")


def _audited(session: Any, action: str, target: str | None = None, detail: str | None = None) -> None:
    from hub.staff.audit import record

    record(session, _cli_actor(), action, _now(), target=target, detail=detail)


RoleOption = Annotated[str, typer.Option("--role", help="admin, supervisor, clerk, auditor, or helper (video help); "
                                                         "what each may do: hub/README.md")]
StaffUsername = Annotated[str, typer.Option("--username", help="the account's log-in name")]


@staff_app.command("add")
def staff_add(
    username: Annotated[str, typer.Option("--username", help="log-in name, e.g. wangfang")],
    name: Annotated[str, typer.Option("--name", help="the person's name, e.g. 王芳")],
    role: RoleOption,
    init: InitOption = False,
) -> None:
    """Create an account for one person; prints its generated password last (not stored, not shown again).

    --role helper makes a video-help account (as 'kioskhub helpers add'); the others log in at /staff/login.
    """
    from hub.db.staff_models import StaffAccount
    from hub.staff import accounts
    from hub.staff.roles import Role, parse
    from hub.video.accounts import AccountError as HelperError
    from hub.video.accounts import add_helper

    try:
        chosen = parse(role)
    except ValueError as exc:
        raise _fail(f"--role: {exc}", EXIT_USAGE) from None
    try:
        with _database(init=init) as db, db.write() as session, session.begin():
            if chosen is Role.HELPER:
                if session.get(StaffAccount, username) is not None:
                    raise accounts.AccountError(f"{username} is already a staff account; choose another user name")
                password = add_helper(session, username, name, _now())
                _audited(session, "helper.add", username)
            else:
                password = accounts.add(session, username, name, chosen, _now())
                _audited(session, "staff.add", username, f"role {chosen.value}")
    except (accounts.AccountError, HelperError) as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    where = "/helper/login" if chosen is Role.HELPER else "/staff/login"
    typer.echo(f"{chosen.value} {username} ({name.strip()}) added; log in at {where} with the password: {password}")


def _account_change(username: str, staff_change: Any, helper_change: Any, verb: str) -> tuple[str, Any]:
    """Apply the change to the staff account of that name, else to the helper account; audited either way."""
    from hub.db.call_models import Helper
    from hub.db.staff_models import StaffAccount
    from hub.staff.accounts import AccountError
    from hub.video.accounts import AccountError as HelperError

    try:
        with _database() as db, db.write() as session, session.begin():
            if session.get(StaffAccount, username) is not None:
                result = staff_change(session)
                _audited(session, f"staff.{verb}", username)
                return "staff account", result
            if session.get(Helper, username) is not None:
                result = helper_change(session)
                _audited(session, f"helper.{verb}", username)
                return "helper", result
    except (AccountError, HelperError) as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    raise _fail(f"no staff or helper account {username!r}; see kioskhub staff list", EXIT_USAGE)


@staff_app.command("disable")
def staff_disable(username: StaffUsername) -> None:
    """Stop a person logging in; their open sessions end at their next request (a helper's pages within seconds)."""
    from hub.staff import accounts
    from hub.video import accounts as helpers

    kind, _ = _account_change(username, lambda s: accounts.disable(s, username, _now()),
                              lambda s: helpers.disable(s, username, _now()), "disable")
    typer.echo(f"{kind} {username} disabled; their sessions have ended")


@staff_app.command("enable")
def staff_enable(username: StaffUsername) -> None:
    """Let a disabled person log in again, with their password (or give a new one with reset)."""
    from hub.staff import accounts
    from hub.video import accounts as helpers

    kind, _ = _account_change(username, lambda s: accounts.enable(s, username),
                              lambda s: helpers.enable(s, username), "enable")
    typer.echo(f"{kind} {username} enabled")


@staff_app.command("reset")
def staff_reset(username: StaffUsername) -> None:
    """Give a person a new password (printed last); the old one and every session stop working."""
    from hub.staff import accounts
    from hub.video import accounts as helpers

    kind, password = _account_change(username, lambda s: accounts.reset(s, username),
                                     lambda s: helpers.reset(s, username), "reset")
    typer.echo(f"{kind} {username}: sessions ended; new password: {password}")


@staff_app.command("unlock")
def staff_unlock(username: StaffUsername) -> None:
    """Forget the wrong passwords counted against a person, from every source (they may try again at once)."""
    from hub.staff import accounts
    from hub.video import accounts as helpers

    kind, was = _account_change(username, lambda s: accounts.unlock(s, username),
                                lambda s: helpers.unlock(s, username), "unlock")
    typer.echo(f"{kind} {username} unlocked" if was else f"{kind} {username} was not locked")


@staff_app.command("list")
def staff_list(as_json: Annotated[bool, typer.Option("--json", help="print JSON only")] = False) -> None:
    """Every staff and helper account: role, state, last log-in."""
    import json

    from hub.staff.accounts import list_accounts
    from hub.staff.roles import Role
    from hub.video.accounts import list_helpers

    with _database() as db, db.read() as session:
        rows = [(a.username, a.display_name, a.role, a.disabled, a.last_login_at) for a in list_accounts(session)]
        rows += [(h.username, h.display_name, Role.HELPER.value, h.disabled, h.last_login_at)
                 for h in list_helpers(session)]
    rows.sort()
    if as_json:
        typer.echo(json.dumps([{"username": u, "name": n, "role": r, "disabled": d,
                                "last_login_at": last.isoformat() if last else None}
                               for u, n, r, d, last in rows], ensure_ascii=False))
        return
    if not rows:
        typer.echo("no accounts yet; add one with: kioskhub staff add --username U --name 姓名 --role supervisor")
    for u, n, r, d, last in rows:
        seen = last.isoformat(timespec="seconds") if last else "never"
        typer.echo(f"{u}\t{n}\t{r}\t{'disabled' if d else 'active'}\tlast login {seen}")


@audit_app.command("list")
def audit_list(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON only")] = False,
    since: Annotated[str | None, typer.Option("--since", help="from this time on: YYYY-MM-DD (hall date) or "
                                                             "an ISO time with its offset")] = None,
    actor: Annotated[str | None, typer.Option("--actor", help="one account, e.g. wangfang")] = None,
    case: Annotated[str | None, typer.Option("--case", help="one case number")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100000, help="newest first")] = 500,
) -> None:
    """The audit trail, newest first; listing it is itself recorded."""
    import json

    from hub.staff import audit

    settings = _settings()
    start = None
    if since:
        try:
            start = (dt.datetime.combine(dt.date.fromisoformat(since), dt.time(), settings.zone) if len(since) == 10
                     else dt.datetime.fromisoformat(since))
        except ValueError:
            raise _fail("--since must be a date (YYYY-MM-DD) or an ISO time such as 2026-11-21T08:00+08:00",
                        EXIT_USAGE) from None
        if start.tzinfo is None:
            raise _fail("--since needs its offset, e.g. 2026-11-21T08:00+08:00", EXIT_USAGE)
    with _database(settings) as db:
        with db.write() as session, session.begin():
            asked = " ".join(f"{k}={v}" for k, v in (("since", since), ("actor", actor), ("case", case)) if v)
            _audited(session, "audit.list", detail=asked or None)
        with db.read() as session:
            rows = [audit.as_json(r) for r in audit.search(session, since=start, actor=actor, case_no=case,
                                                            limit=limit)]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    for r in rows:
        typer.echo("\t".join(str(r[k] or "") for k in ("at", "actor", "role", "action", "target", "case_no",
                                                         "source", "detail")))


def _ring_change(action: str, change: Any, what: Any) -> None:
    """Apply a change to the key ring of the hub in the data dir, audit it, and say what to do next."""
    from hub import keyring
    from hub.personal import Keys

    settings = _settings()
    with _database(settings) as db:  # a ring made for a data dir that holds no hub would encrypt for nobody
        ring = Keys.load_or_create(settings.secret_path).ring
        try:
            new = change(ring)
        except keyring.KeyRingError as exc:
            raise _fail(str(exc), EXIT_USAGE) from None
        path = keyring.save(settings.secret_path, new)
        with db.write() as session, session.begin():
            _audited(session, action, what(new))
    typer.echo(f"{what(new)}; wrote {path}. Copy it to every hub node (as hub-secret) and restart them "
               "one at a time.")


@keys_app.command("list")
def keys_list(as_json: Annotated[bool, typer.Option("--json", help="print JSON only")] = False) -> None:
    """Every key of the ring: id, created, state (never the key itself)."""
    import json

    from hub.personal import Keys

    settings = _settings()
    with _database(settings):
        ring = Keys.load_or_create(settings.secret_path).ring
    rows = [{"id": k.id, "created": k.created or None, "state": k.state} for k in ring.keys]
    if as_json:
        typer.echo(json.dumps(rows))
        return
    for r in rows:
        typer.echo(f"{r['id']}\t{r['state']}\t{r['created'] or 'hub-secret (before the ring)'}")


@keys_app.command("rotate")
def keys_rotate(
    staged: Annotated[bool, typer.Option("--staged", help="several nodes: make the key but let it encrypt nothing "
                                                          "until 'kioskhub keys activate' (after every node has it)")]
    = False,
) -> None:
    """Make a new key; new data, cookies and links use it, and what older keys made stays readable and valid."""
    _ring_change("keys.rotate", lambda ring: ring.rotate(_now(), staged=staged),
                 lambda ring: f"key {ring.keys[-1].id} " + ("staged" if staged else "is active"))


@keys_app.command("activate")
def keys_activate(key_id: Annotated[str, typer.Option("--id", help="the staged key's id")]) -> None:
    """Make a staged key the active one (once every node holds the ring with it)."""
    _ring_change("keys.activate", lambda ring: ring.activate(key_id), lambda _ring: f"key {key_id} is active")


@keys_app.command("retire")
def keys_retire(key_id: Annotated[str, typer.Option("--id", help="a previous key's id")]) -> None:
    """A former key stops verifying: staff sessions and follow links made with it end; its data stays readable."""
    _ring_change("keys.retire", lambda ring: ring.retire(key_id), lambda _ring: f"key {key_id} is retired")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def main() -> None:
    """Entry point of the ``kioskhub`` script."""
    umask.private()
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
