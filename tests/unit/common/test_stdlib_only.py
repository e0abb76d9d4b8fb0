"""The shared packages import what they promise only, so every part of the project may use them:
``common`` the standard library, ``wire`` pydantic and ``common`` besides, ``config`` pydantic-settings."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import common
import config
import wire


def _outside(package, allowed: set[str]) -> list[str]:
    found = []
    for path in sorted(Path(package.__file__).parent.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            found += [f"{path.name}: {n}" for n in names if n.split(".")[0] not in sys.stdlib_module_names | allowed]
    return found


@pytest.mark.parametrize(("package", "allowed"), [
    (common, {"common"}),
    (wire, {"wire", "common", "pydantic"}),
    (config, {"config", "common", "pydantic", "pydantic_settings"}),
], ids=["common", "wire", "config"])
def test_the_shared_packages_import_nothing_but_what_they_promise(package, allowed):
    assert not _outside(package, allowed)
