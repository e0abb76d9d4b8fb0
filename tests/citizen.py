"""A scripted citizen for end-to-end tests: plays a kioskd session over HTTP like the UI does.

Every device is simulated; the citizen places the card and documents through ``/v1/sim`` and
answers each step cooperatively.
"""

from __future__ import annotations

import time
from typing import Any

from common.idnumber import check_char
from flows.walk import SAMPLE_SIGNATURE

_ID17 = "64010419520312124"  # even sequence digit: female, as sex_code 2
ELDER_CARD = {"name": "王秀兰", "birth_date": "1952-03-12", "sex_code": "2", "id_number": _ID17 + check_char(_ID17)}
FIELD_DEFAULTS = {"phone": "13900001234", "date": "2026-03-01", "number": "1", "id_number": ELDER_CARD["id_number"],
                  "address": "宁夏回族自治区银川市金凤区正源北街1号", "text": "自助终端测试"}


def fill(field: dict[str, Any]) -> str:
    if field["value"]:
        return field["value"]
    if field["type"] == "choice":
        return field["choices"][0]
    return FIELD_DEFAULTS.get(field["type"], "测试")


def post(c: Any, sid: str, type_: str, **data: Any) -> None:
    r = c.post(f"/sessions/{sid}/events", json={"type": type_, "data": data})
    assert r.status_code in (200, 409), r.text  # 409: the step moved on under us (a device result came first)


def play(c: Any, sid: str, *, until: str | None = None, timeout: float = 600.0,
         fail_on_error: bool = True, on_snapshot: Any = None, card: dict[str, str] | None = None
         ) -> tuple[list[str], dict[str, Any]]:
    """Play session ``sid`` until it ends (or, with ``until="submitted"``, until it has a number).

    Returns the step ids seen and the last live snapshot. An error notice on a submit or print step
    fails the test, or with ``fail_on_error=False`` ends the play there. ``on_snapshot`` sees every
    snapshot the citizen looked at (what they were shown). ``card``: whose card (default ``ELDER_CARD``).
    """
    seen: list[str] = []
    placed_card = False
    placed_for = -1  # pages captured when a document was last put on the plate
    snap: dict[str, Any] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = c.get(f"/sessions/{sid}")
        if r.status_code == 404:
            return seen, snap  # finished and wiped
        snap = r.json()
        if on_snapshot is not None:
            on_snapshot(snap)
        step, notice = snap["step"], snap.get("notice")
        if not seen or seen[-1] != step["id"]:
            seen.append(step["id"])
        kind, accepts = step["kind"], step["accepts"]
        if notice and notice["level"] == "error" and kind in ("submit", "print", "verify_face"):
            if fail_on_error:
                raise AssertionError(f"{snap['item_code']} failed at {step['id']}: {notice}")
            return seen, snap
        if until == "submitted" and (snap["case_no"] or snap["provisional_no"]):
            return seen, snap
        if kind == "submit" and step["data"].get("state") == "duplicate" and "next" in accepts:
            post(c, sid, "next")  # "you applied a moment ago": this citizen insists (tests apply again and again)
        elif kind in ("guide", "review") and "next" in accepts:
            post(c, sid, "next")
        elif kind == "consent" or (kind == "verify_face" and "consent" in accepts):
            post(c, sid, "consent", accepted=True)  # the face check's own consent too
        elif kind == "verify_face" and "choose" in accepts and step["options"][0]["value"] == "retry":
            post(c, sid, "choose", option="retry")
        elif kind == "identify" and not placed_card:
            placed = c.post("/sim/id_reader/place", json={"card": "resident", "fields": card or ELDER_CARD})
            assert placed.status_code == 200
            placed_card = True
        elif kind == "form":
            post(c, sid, "form_submit", values={f["name"]: fill(f) for f in step["fields"]})
        elif kind == "choose":
            post(c, sid, "choose", option=step["options"][0]["value"])
        elif kind == "capture":
            captured = sum(m["captured"] for m in step["materials"])
            if captured != placed_for:  # turn the page: auto-capture waits for a new one
                current = step["data"].get("current") or ""
                doc = "id_card" if "id" in current else "a4"
                assert c.post("/sim/camera/place", json={"document": doc}).status_code == 200
                placed_for = captured
            if "next" in accepts and all(m["captured"] >= m["pages"] or not m["required"] for m in step["materials"]):
                post(c, sid, "next")
        elif kind == "print" and "next" in accepts:
            post(c, sid, "next")  # a certificate is out of the A4 printer: the citizen took it
        elif kind == "sign":
            post(c, sid, "sign", width=800, height=300, strokes=[list(map(list, s)) for s in SAMPLE_SIGNATURE])
        elif kind == "rate":
            post(c, sid, "rate", level=5)
        elif kind == "done":
            post(c, sid, "finish")
        time.sleep(0.05)
    raise AssertionError(f"session did not end in time; steps seen: {seen}")


def start_and_play(c: Any, item_code: str, **kwargs: Any) -> tuple[list[str], dict[str, Any]]:
    """Clear the simulated plate and reader, start ``item_code`` and play it."""
    c.post("/sim/camera/remove")
    c.post("/sim/id_reader/remove")
    snap = c.post("/sessions", json={"item_code": item_code}).json()
    assert "id" in snap, snap
    return play(c, snap["id"], **kwargs)
