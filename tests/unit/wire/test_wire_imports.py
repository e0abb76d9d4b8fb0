"""The shared payloads lean on pydantic, the pure rules of common and the standard library only."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import wire

PACKAGE = Path(wire.__file__).parent
ALLOWED = {"pydantic", "common", "wire"}


def test_wire_imports_nothing_of_kioskd_the_hub_or_any_other_library():
    outside = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            outside += [f"{path.name}: {n}" for n in names
                        if n.split(".")[0] not in sys.stdlib_module_names | ALLOWED]
    assert not outside
