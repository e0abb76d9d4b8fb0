"""The fleet for staff: heartbeats in, the same view out as JSON, as a page and from kioskhub fleet --json."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from hub.cli import app

PRINTER_OUT = {"health": "offline", "message": "缺纸", "sensors": {"paper": "out", "cover_open": False}}


def staff(hub):
    return hub.staff("supervisor")


def beat(hub, token=None, **fields):
    r = hub.client.post("/api/v1/heartbeat", headers=hub.auth(token), json=fields)
    assert r.status_code == 200, r.text


def test_fleet_json_and_page_show_what_the_kiosks_reported(hub):
    other = hub.register("k2", site="sz-post")
    beat(hub, software_version="1.4.0", devices={"printer": PRINTER_OUT, "id_reader": {"health": "unknown"}},
         outbox_pending=3, outbox_failed=0, outbox_oldest_pending_s=125.5, disk_free_bytes=20 * 1024**3,
         catalog_version="builtin-0123456789ab", in_session=True, maintenance=False, items_offered=7,
         selftest={"at": "2026-11-21T01:30:00+00:00", "ok": True, "devices": {}})
    beat(hub, other, software_version="0.1.0", devices={"printer": {"health": "online"}}, outbox_pending=0)  # older

    r = hub.client.get("/api/v1/fleet", auth=staff(hub))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["counts"] == {"kiosks": 2, "online": 2, "offline": 0, "with_problems": 1}
    k1, k2 = body["kiosks"]
    assert (k1["id"], k1["site_id"], k1["region_code"], k1["online"]) == ("k1", "hall-1", "640104", True)
    assert k1["devices"]["printer"] == {"state": "paper_out", "health": "offline", "message": "缺纸"}
    assert k1["devices"]["id_reader"]["state"] == "unknown"
    assert (k1["outbox_pending"], k1["outbox_oldest_pending_s"], k1["disk_free_bytes"]) == (3, 125.5, 20 * 1024**3)
    assert (k1["software_version"], k1["catalog_version"]) == ("1.4.0", "builtin-0123456789ab")
    assert k1["selftest"] == {"at": "2026-11-21T01:30:00Z", "ok": True}
    assert {(p["kind"], p["subject"]) for p in k1["problems"]} == {("paper_out", "printer"),
                                                                   ("device_offline", "id_reader")}
    assert k2["problems"] == [] and k2["disk_free_bytes"] is None and k2["catalog_version"] is None

    only = hub.client.get("/api/v1/fleet", params={"problem": "paper_out"}, auth=staff(hub)).json()
    assert [k["id"] for k in only["kiosks"]] == ["k1"]
    assert [k["id"] for k in hub.client.get("/api/v1/fleet", params={"site": "sz-post"},
                                            auth=staff(hub)).json()["kiosks"]] == ["k2"]
    bad = hub.client.get("/api/v1/fleet", params={"problem": "paper"}, auth=staff(hub))
    assert bad.status_code == 422 and "paper_out" in bad.text

    page = hub.client.get("/staff/fleet", params={"region": "6401"}, auth=staff(hub))
    assert page.status_code == 200
    assert 'href="/staff/kiosks/k1"' in page.text and "printer: 缺纸" in page.text
    assert "builtin-0123456789ab" in page.text and "办理中" in page.text


def test_fleet_is_for_staff_only(hub):
    assert hub.client.get("/api/v1/fleet").status_code == 401
    assert hub.client.get("/api/v1/fleet", headers=hub.auth()).status_code == 401  # a kiosk token is not staff
    assert hub.client.get("/staff/fleet", auth=("staff", "wrong")).status_code == 401


def test_kioskhub_fleet_json(hub, hub_settings, database_url):
    beat(hub, devices={"printer": PRINTER_OUT}, outbox_pending=1)
    env = {"KIOSKHUB_DATA_DIR": str(hub_settings.data_dir)} | (
        {"KIOSKHUB_DATABASE_URL": database_url} if database_url else {})
    result = CliRunner().invoke(app, ["fleet", "--json", "--problem", "paper_out"], env=env)
    assert result.exit_code == 0, result.stderr
    body = json.loads(result.stdout)
    assert [k["id"] for k in body["kiosks"]] == ["k1"] and body["kiosks"][0]["outbox_pending"] == 1
    result = CliRunner().invoke(app, ["fleet", "--problem", "nope"], env=env)
    assert result.exit_code == 2 and "one of silent" in result.stderr


def test_a_site_catalogue_published_with_kioskhub_is_fetched_by_its_kiosks_only(hub, hub_settings, database_url,
                                                                                 tmp_path):
    import shutil

    from flows.loader import DEFINITIONS_DIR
    from local_api.catalogue_bundle import public_key, unpack

    hall = tmp_path / "hall"
    hall.mkdir()
    shutil.copy(DEFINITIONS_DIR / "case_progress_query.yaml", hall)
    assert hub.client.get("/api/v1/catalogue", headers=hub.auth()).json() == {"site": "hall-1", "version": None}
    env = {"KIOSKHUB_DATA_DIR": str(hub_settings.data_dir)} | (
        {"KIOSKHUB_DATABASE_URL": database_url} if database_url else {})
    result = CliRunner().invoke(app, ["catalogue", "publish", "--site", "hall-1", str(hall)], env=env)
    assert result.exit_code == 0, result.stderr
    assert "published version 1 for site hall-1" in result.stdout
    key = CliRunner().invoke(app, ["catalogue", "key"], env=env).stdout.strip()
    assert hub.client.get("/api/v1/catalogue", headers=hub.auth()).json()["version"] == 1
    bundle = hub.client.get("/api/v1/catalogue/1", headers=hub.auth())
    assert bundle.status_code == 200
    manifest = unpack(bundle.content, public_key(key), "hall-1", tmp_path / "kiosk")
    assert list(manifest.files) == ["case_progress_query.yaml"]

    other = hub.register("k2", site="sz-post")  # another site's kiosk finds nothing of hall-1's
    assert hub.client.get("/api/v1/catalogue/1", headers=hub.auth(other)).status_code == 404
    refused = CliRunner().invoke(app, ["catalogue", "publish", "--site", "nowhere", str(hall)], env=env)
    assert refused.exit_code == 2 and "no site nowhere" in refused.stderr
