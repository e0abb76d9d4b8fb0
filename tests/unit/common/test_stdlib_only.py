"""The shared rules import the standard library only, so every part of the project may use them."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import common

PACKAGE = Path(common.__file__).parent


def test_the_shared_package_imports_nothing_but_the_standard_library():
    outside = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            outside += [f"{path.name}: {n}" for n in names if n.split(".")[0] not in sys.stdlib_module_names]
    assert not outside
