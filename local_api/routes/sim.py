"""``/v1/sim``: play the citizen's part on simulated devices (demo script, tests). Only for ``sim:`` devices."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from local_api.errors import BadRequest, NoDevice
from local_api.state import Daemon, DaemonDep

router = APIRouter(prefix="/sim")


class CardIn(BaseModel):
    card: Literal["resident", "hkmt_residence", "foreign_permanent_2017", "foreign_permanent_2023"] = "resident"
    fields: dict[str, str] = Field(default_factory=dict, description="override sample fields, e.g. birth_date")


class DocumentIn(BaseModel):
    document: Literal["a4", "id_card", "photo", "qr"] = "a4"
    text: str | None = Field(None, min_length=1, max_length=200, description="qr: the text the slip's code holds")


class PaperIn(BaseModel):
    state: Literal["ok", "near_end", "out"]


def _sim(daemon: Daemon, name: str, method: str):  # type: ignore[no-untyped-def]
    slot = daemon.devices.slots.get(name)
    if slot is None or not slot.simulated or not hasattr(slot.device, method):
        raise NoDevice(f"the {name} is not a simulator; /v1/sim works only with sim: devices", code="not_simulated")
    return slot.device


@router.post("/id_reader/place")
def place_card(body: CardIn, daemon: DaemonDep) -> dict[str, str]:
    reader = _sim(daemon, "id_reader", "place")
    if body.fields:
        from drivers.id_card.sim import card_from_json

        try:
            card = card_from_json({"sample": body.card, **body.fields})
        except (ValueError, TypeError) as exc:
            raise BadRequest(f"cannot make that card: {exc}") from None
        reader.place(card)
    else:
        reader.place(body.card)
    return {"placed": body.card}


@router.post("/id_reader/remove")
def remove_card(daemon: DaemonDep) -> dict[str, bool]:
    _sim(daemon, "id_reader", "remove").remove()
    return {"removed": True}


@router.post("/camera/place")
def place_document(body: DocumentIn, daemon: DaemonDep) -> dict[str, str]:
    camera = _sim(daemon, "camera", "place")
    if body.document == "qr":
        if not body.text:
            raise BadRequest('a qr document needs its text, e.g. {"document": "qr", "text": "KIOSKAPPT:..."}')
        camera.place("qr", text=body.text)
    else:
        camera.place(body.document)
    return {"placed": body.document}


@router.post("/camera/remove")
def remove_document(daemon: DaemonDep) -> dict[str, bool]:
    _sim(daemon, "camera", "remove").remove()
    return {"removed": True}


@router.post("/printer/paper")
def set_paper(body: PaperIn, daemon: DaemonDep) -> dict[str, str]:
    _sim(daemon, "printer", "set_paper").set_paper(body.state)
    if body.state != "out":
        daemon.printing.resume()  # at once, rather than at the next look of the printer watch
    return {"paper": body.state}


class A4MediaIn(BaseModel):
    media: Literal["ok", "low", "empty"]


@router.post("/a4_printer/media")
def set_a4_media(body: A4MediaIn, daemon: DaemonDep) -> dict[str, str]:
    """Load or take out the simulated A4 printer's paper (as its IPP state reasons would say)."""
    _sim(daemon, "a4_printer", "check").media = body.media
    return {"media": body.media}
