"""The application as it goes to the hub: the payload and its material files (pages, ID-card copy)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from flows import effects as fx
from flows.model import ServiceItem
from local_api.codes import id_type
from local_api.outbox import MaterialFile
from local_api.signature_image import render_png


def build_application(effect: fx.SubmitApplication, item: ServiceItem | None,
                      folder: Path) -> tuple[dict[str, Any], list[MaterialFile]]:
    """The hub's application body and its files, from the submit effect and the session's scan ``folder``."""
    applicant = dict(effect.applicant)
    application: dict[str, Any] = {
        # The platform knows items by their national codes (实施编码, else 基本编码), not by our file names.
        "item_code": hub_item_code(item) if item else effect.item_code.replace("_", "-"),
        "item_name": item.name if item else None,
        "applicant": {
            "name": applicant.get("name", ""),
            "id_type": id_type(applicant),
            "id_number": applicant.get("id_number", ""),
            **({"phone": effect.form["phone"]} if effect.form.get("phone") else {}),
        },
        "form": dict(effect.form),
        "submitted_at": effect.submitted_at.isoformat(),
        "materials": [],
    }
    if effect.identity_check is not None:  # the face check's decision and score (never an image)
        application["identity_check"] = dict(effect.identity_check)
    files: list[MaterialFile] = []
    for material in effect.materials:
        pages = [(folder / ref).read_bytes() for ref in material.get("refs", ())]
        for n, jpeg in enumerate(pages, start=1):
            name = f"{material['code']}-{n:02d}.jpg"
            files.append(MaterialFile(name, "image/jpeg", material["name"], jpeg))
            application["materials"].append({"file": name, "label": f"{material['name']} 第{n}页"})
        spec = next((m for m in item.materials if m.code == material["code"]), None) if item else None
        if item is not None and spec is not None and spec.capture == "id_card" and len(pages) == 2:
            # 身份证复印件: the hall files an ID card as front and back on one A4 page at true size
            name = f"{material['code']}-copy.jpg"
            files.append(MaterialFile(name, "image/jpeg", material["name"], id_copy_jpeg(*pages, item.name)))
            application["materials"].append({"file": name, "label": f"{material['name']} 复印件（正反面）"})
    if effect.signatures:
        application["signatures"] = []
    for n, signed in enumerate(effect.signatures, start=1):
        png = render_png(signed["strokes"], signed["width"], signed["height"])
        name = f"signature-{n:02d}.png"
        label = f"{signed['document']}（申请人签名）"
        files.append(MaterialFile(name, "image/png", label, png))
        application["materials"].append({"file": name, "label": label})
        application["signatures"].append({
            "document": signed["document"], "text": signed["text"], "text_sha256": signed["text_sha256"],
            "signed_at": signed["signed_at"], "file": name, "image_sha256": hashlib.sha256(png).hexdigest()})
    if effect.assisted is not None:
        authorisation = next((s["file"] for s in application.get("signatures", ()) if s["document"] == "委托书"), None)
        application["assisted"] = {**effect.assisted, "authorisation_file": authorisation}
    return application, files


def id_copy_jpeg(front: bytes, back: bytes, item_name: str) -> bytes:
    """Front above back on one A4 page at true size, marked for this use only, as halls stamp copies."""
    import cv2
    import numpy as np

    from drivers.camera import warp

    sides = [cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR) for jpeg in (front, back)]
    page = warp.id_copy_page(*sides, dpi=200, note=f"此复印件仅供办理{item_name}使用")
    return warp.encode_jpeg(page, 200, quality=85)


def hub_item_code(item: ServiceItem) -> str:
    return item.implementation_code or item.basic_code or item.code.replace("_", "-")
