"""Reads definition files: YAML with the line of every key kept, so errors can say ``FILE:LINE``.

The only module of ``flows`` that touches files or YAML.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from flows.model import ServiceItem
from flows.validate import DefinitionError, Problem, check

DEFINITIONS_DIR = Path(__file__).parent / "definitions"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ~10x faster, same marks


def parse(text: str, file: str) -> tuple[Any, dict[tuple[Any, ...], int], list[Problem]]:
    """YAML text to (data, line of each key path, problems such as syntax errors or duplicate keys)."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, {}, [Problem(file, line, f"not valid YAML: {problem}")]
    finally:
        loader.dispose()
    lines: dict[tuple[Any, ...], int] = {(): 1}
    problems: list[Problem] = []
    if root is not None:
        _record(root, (), lines, problems, file)
    return data, lines, problems


def _record(node: yaml.Node, path: tuple[Any, ...], lines: dict[tuple[Any, ...], int],
            problems: list[Problem], file: str) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(Problem(file, line, f"key '{key}' appears twice in the same mapping"))
            seen.add(key)
            lines[(*path, key)] = line
            _record(value_node, (*path, key), lines, problems, file)
    elif isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            lines[(*path, index)] = child.start_mark.line + 1
            _record(child, (*path, index), lines, problems, file)


def check_text(text: str, file: str, *, expected_code: str | None = None) -> tuple[ServiceItem | None, list[Problem]]:
    """Parse and validate one definition held in memory."""
    data, lines, problems = parse(text, file)
    if problems:
        return None, problems
    return check(data, lines, file, expected_code=expected_code)


def check_file(path: str | Path) -> tuple[ServiceItem | None, list[Problem]]:
    """Parse and validate one definition file; problems name the path as given."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [Problem(str(path), 1, "no such file")]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(str(path), 1, f"cannot read: {exc.__class__.__name__}")]
    return check_text(text, str(path), expected_code=path.stem)


def load_item(path: str | Path) -> ServiceItem:
    """One definition file as a ``ServiceItem``; raises ``DefinitionError`` listing every problem."""
    item, problems = check_file(path)
    if problems or item is None:
        raise DefinitionError(problems)
    return item


def definition_files(directory: str | Path | None = None) -> list[Path]:
    """The ``*.yaml`` files of a definitions folder, sorted by name."""
    return sorted(Path(directory or DEFINITIONS_DIR).glob("*.yaml"))
