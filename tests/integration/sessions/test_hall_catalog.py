"""kioskd with a hall's own definitions and KIOSK_ITEMS: a broken file is reported and left out, never fatal."""

from __future__ import annotations

import httpx

from flows.loader import DEFINITIONS_DIR
from tests.daemon import kioskd
from tests.integration.sessions.test_sessions_http import devices


def test_a_broken_hall_definition_leaves_the_other_services_running(tmp_path):
    hall = tmp_path / "hall-flows"
    hall.mkdir()
    own = (DEFINITIONS_DIR / "housing_fund_query.yaml").read_text(encoding="utf-8")
    (hall / "housing_fund_query.yaml").write_text(
        own.replace("name: 住房公积金个人账户查询", "name: 本市住房公积金查询", 1), encoding="utf-8")
    (hall / "parking_permit.yaml").write_text("code: parking_permit\nname: 停车证\nsteps: [\n", encoding="utf-8")

    settings = {**devices(tmp_path), "KIOSK_FLOWS_DIR": str(hall),
                "KIOSK_ITEMS": "housing_fund_query, queue_ticket, parking_permit"}
    with kioskd(tmp_path / "data", **settings) as d:
        health = httpx.get(f"{d.url}/health").json()
        assert health["status"] == "degraded" and health["items_offered"] == 2
        [problem] = health["catalog_problems"]
        assert "parking_permit.yaml:" in problem and "not valid YAML" in problem

        with d.client() as c:
            items = {i["code"]: i["name"] for i in c.get("/items").json()}
            assert items == {"housing_fund_query": "本市住房公积金查询", "queue_ticket": "取号"}
            refused = c.post("/sessions", json={"item_code": "residence_permit"})
            assert refused.status_code == 404  # not offered on this kiosk
            started = c.post("/sessions", json={"item_code": "housing_fund_query"})
            assert started.status_code in (200, 201), started.text

    log = d.log_text()
    assert "parking_permit.yaml" in log and "not offering parking_permit" in log
