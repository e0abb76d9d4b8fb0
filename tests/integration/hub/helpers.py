"""Request builders shared by the hub tests."""

from __future__ import annotations

import json
from typing import Any

from common.idnumber import check_char


def id_number(body17: str = "64010419900101123") -> str:
    """A GB 11643-valid ID number from its first 17 digits."""
    return body17 + check_char(body17)


ITEM = "11640100MB1D00000A441080011002"
PERSON = id_number()


def application(**changes: Any) -> dict[str, Any]:
    app: dict[str, Any] = {
        "item_code": ITEM,
        "item_name": "城乡居民养老保险参保登记",
        "applicant": {"name": "张三", "id_type": "111", "id_number": PERSON, "phone": "13800000000"},
        "form": {"地址": "银川市兴庆区解放西街1号", "参保档次": "500"},
        "provisional_no": "K1-20261121-0007",
        "materials": [{"file": "hukou.jpg", "label": "户口簿"}],
    }
    app.update(changes)
    return app


def multipart(app: dict[str, Any] | None = None, files: list[tuple[str, bytes, str]] | None = None) -> dict:
    """httpx/TestClient keyword arguments for a multipart case submission."""
    if files is None:
        files = [("hukou.jpg", b"\xff\xd8\xff\xe0" + b"x" * 2048, "image/jpeg")]
    return {
        "data": {"application": json.dumps(app if app is not None else application(), ensure_ascii=False)},
        "files": [("materials", f) for f in files],
    }
