"""Pure checks of a parsed definition; every problem names the file, the line and what to fix."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from flows.conditions import ANSWER_PREFIX, PLAIN_VARS, RESULT_PREFIX, variables
from flows.model import STEP_KINDS, ServiceItem, Step
from flows.translations import LANGUAGES, placeholders

LineMap = Mapping[tuple[Any, ...], int]


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class DefinitionError(ValueError):
    """A definition that cannot be used; ``problems`` lists every ``FILE:LINE: message``."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def check(data: Any, lines: LineMap, file: str, *, expected_code: str | None = None
          ) -> tuple[ServiceItem | None, list[Problem]]:
    """Validate raw YAML data into a ``ServiceItem``; the item is None when problems prevent building it."""
    here = _Locator(data, lines, file)
    if not isinstance(data, dict):
        return None, [here.at((), "a definition must be a mapping with code, name, item_type, department, steps")]
    problems = _unknown_kinds(data, here)
    bad_steps = {p_index for p_index, _ in problems}
    found = [p for _, p in problems]
    try:
        item = ServiceItem.model_validate(data)
    except ValidationError as exc:
        found += _schema_problems(exc, here, bad_steps)
        return None, _unique(found)
    if found:
        return None, _unique(found)
    found += _graph_problems(item, here)
    if expected_code is not None and item.code != expected_code:
        found.append(here.at(("code",), f"code '{item.code}' does not match the file name '{expected_code}.yaml'"))
    return (None if found else item), _unique(found)


class _Locator:
    def __init__(self, data: Any, lines: LineMap, file: str) -> None:
        self.data, self.lines, self.file = data, lines, file

    def resolve(self, loc: Sequence[Any]) -> tuple[Any, ...]:
        """Map a pydantic location onto the raw data, skipping union tags that are not in the file."""
        node, path = self.data, []
        for part in loc:
            in_dict = isinstance(node, dict) and part in node
            in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
            if in_dict or in_list:
                node = node[part]
                path.append(part)
        return tuple(path)

    def line(self, path: Sequence[Any]) -> int:
        path = tuple(path)
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)

    def at(self, path: Sequence[Any], message: str) -> Problem:
        return Problem(self.file, self.line(path), message)


def _step_name(data: Any, index: int) -> str:
    try:
        return f"step '{data['steps'][index]['id']}'"
    except (KeyError, IndexError, TypeError):
        return f"step {index + 1}"


def _unknown_kinds(data: dict[str, Any], here: _Locator) -> list[tuple[int, Problem]]:
    steps = data.get("steps")
    if not isinstance(steps, list):
        return []
    found = []
    for index, raw in enumerate(steps):
        if isinstance(raw, dict) and raw.get("kind") not in STEP_KINDS:
            kind = raw.get("kind")
            what = f"unknown step kind '{kind}'" if kind is not None else "no kind"
            found.append((index, here.at(("steps", index, "kind"),
                                         f"{_step_name(data, index)}: {what}; use one of {', '.join(STEP_KINDS)}")))
    return found


def _schema_problems(exc: ValidationError, here: _Locator, skip_steps: set[int]) -> list[Problem]:
    found = []
    for err in exc.errors():
        loc = err["loc"]
        if len(loc) >= 2 and loc[0] == "steps" and loc[1] in skip_steps:
            continue
        path = here.resolve(loc)
        shown = path[:-1] if err["type"] == "extra_forbidden" else path
        if len(shown) >= 2 and shown[0] == "steps":
            rest = _dotted(shown[2:])
            where = _step_name(here.data, shown[1]) + (f" {rest}" if rest else "")
        else:
            where = _dotted(shown)
        if "when" in loc:
            message = ("invalid condition: write {var: NAME, OP: VALUE} with one OP of eq, ne, gt, gte, lt, lte, "
                       "in, not_in, present, or combine with all / any / not")
        elif err["type"] == "extra_forbidden":
            message = f"unknown key '{loc[-1]}' (check the spelling)"
        elif err["type"] == "missing":
            message = f"missing '{loc[-1]}'"
        else:
            message = err["msg"]
        found.append(here.at(path, f"{where or 'definition'}: {message}"))
    return found


def _dotted(path: Sequence[Any]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def _targets(item: ServiceItem, index: int) -> list[tuple[tuple[Any, ...], str]]:
    """(key path, target id) for every way out of a step, explicit or implied."""
    step = item.steps[index]
    base: tuple[Any, ...] = ("steps", index)
    out = [((*base, "branches", i, "goto"), b.goto) for i, b in enumerate(step.branches)]
    if step.kind == "done":
        return out
    if step.kind == "choose":
        out += [((*base, "options", i, "goto"), o.goto) for i, o in enumerate(step.options) if o.goto]
        if all(o.goto for o in step.options):
            return out
    if step.kind == "consent" and step.on_decline:
        out.append(((*base, "on_decline"), step.on_decline))
    if step.kind == "verify_face" and step.on_alternative:
        out.append(((*base, "on_alternative"), step.on_alternative))
    if step.next:
        out.append(((*base, "next"), step.next))
    elif index + 1 < len(item.steps):
        out.append((base, item.steps[index + 1].id))
    return out


def _translation_problems(item: ServiceItem, here: _Locator) -> list[Problem]:
    """Translated steps and options must exist (a misspelt id would silently show Chinese only), the
    language must be one a kiosk offers, and a translation keeps the Chinese text's ``{slots}``."""
    found: list[Problem] = []
    steps = {step.id: step for step in item.steps}
    for language, words in item.translations.items():
        if language not in LANGUAGES:
            found.append(here.at(("translations", language),
                                 f"translations: '{language}' is not a language a kiosk offers; "
                                 f"use {', '.join(LANGUAGES)}"))
        for step_id, text in words.steps.items():
            path = ("translations", language, "steps", step_id)
            step = steps.get(step_id)
            if step is None:
                found.append(here.at(path, f"translations.{language}: no step '{step_id}' to translate; "
                                           f"steps are {', '.join(steps)}"))
                continue
            values = {o.value for o in getattr(step, "options", ())}
            for value in text.options:
                if value not in values:
                    found.append(here.at((*path, "options", value),
                                         f"translations.{language}: step '{step_id}' has no option '{value}'"))
            for part in ("title", "prompt", "body"):
                own, chinese = getattr(text, part), getattr(step, part)
                if own and placeholders(own) != placeholders(chinese):
                    want = " ".join(sorted(placeholders(chinese))) or "none"
                    found.append(here.at((*path, part), f"translations.{language}: step '{step_id}' {part} must "
                                                        f"keep the Chinese text's placeholders ({want})"))
    return found


def _graph_problems(item: ServiceItem, here: _Locator) -> list[Problem]:
    found: list[Problem] = []
    ids: dict[str, int] = {}
    for index, step in enumerate(item.steps):
        if step.id in ids:
            found.append(here.at(("steps", index, "id"), f"step id '{step.id}' is used twice"))
        ids.setdefault(step.id, index)
    codes = set()
    for index, material in enumerate(item.materials):
        if material.code in codes:
            found.append(here.at(("materials", index, "code"), f"material code '{material.code}' is used twice"))
        codes.add(material.code)
    answers = _answer_names(item)
    found += _translation_problems(item, here)

    edges: dict[str, list[str]] = {}
    dead_ends: set[str] = set()
    for index, step in enumerate(item.steps):
        name = f"step '{step.id}'"
        base = ("steps", index)
        if not step.prompt.strip():
            found.append(here.at(base, f"{name} has no prompt (the text the voice says when the step starts)"))
        edges[step.id] = []
        for path, target in _targets(item, index):
            if target in ids:
                edges[step.id].append(target)
            else:
                found.append(here.at(path, f"{name} goes to '{target}', which is not a step of this item"))
        if step.kind != "done" and not step.next and index == len(item.steps) - 1 and not (
                step.kind == "choose" and all(o.goto for o in step.options)):
            dead_ends.add(step.id)
            found.append(here.at(base, f"{name} has no way out: it is the last step, not a 'done' step, "
                                       "and names no next"))
        if step.kind == "capture":
            for i, code in enumerate(step.materials):
                if code not in codes:
                    found.append(here.at((*base, "materials", i),
                                         f"{name} captures material '{code}', which is not defined under materials"))
        if step.kind == "choose":
            values = [o.value for o in step.options]
            for i, value in enumerate(values):
                if value in values[:i]:
                    found.append(here.at((*base, "options", i), f"{name} lists option '{value}' twice"))
        if step.kind == "verify_face" and not any(s.kind == "identify" for s in item.steps[:index]):
            found.append(here.at(base, f"{name} checks the face against the card's photo: put an identify step "
                                       "before it"))
        found += _condition_problems(step, index, answers, here)

    captured = {code for step in item.steps if step.kind == "capture" for code in step.materials}
    for index, material in enumerate(item.materials):
        if material.code not in captured:
            found.append(here.at(("materials", index), f"material '{material.code}' is defined but no capture "
                                                       "step asks for it"))
    if any(p.message.endswith("which is not a step of this item") for p in found):
        return found  # reachability would only repeat the broken link
    first = item.steps[0].id
    reachable = _walk({first}, edges)
    for index, step in enumerate(item.steps):
        if step.id not in reachable and ids.get(step.id) == index:
            found.append(here.at(("steps", index), f"step '{step.id}' is unreachable from the first step '{first}'"))
    reverse: dict[str, list[str]] = {sid: [] for sid in edges}
    for source, targets in edges.items():
        for target in targets:
            reverse[target].append(source)
    ends = {step.id for step in item.steps if step.kind == "done"}
    if not ends:
        found.append(here.at(("steps",), "no 'done' step: a session of this item could never finish"))
    finishing = _walk(ends, reverse)
    for index, step in enumerate(item.steps):
        stuck = step.id in reachable and step.id not in finishing and ends
        if stuck and ids.get(step.id) == index and step.id not in dead_ends:
            found.append(here.at(("steps", index), f"step '{step.id}' has no way out: no path from it reaches "
                                                   "a 'done' step"))
    return found


def _walk(start: set[str], edges: Mapping[str, list[str]]) -> set[str]:
    seen, todo = set(start), list(start)
    while todo:
        for target in edges.get(todo.pop(), []):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def _answer_names(item: ServiceItem) -> set[str]:
    names: set[str] = set()
    for step in item.steps:
        if step.kind == "form":
            names.update(f.name for f in step.fields)
        elif step.kind == "choose":
            names.add(step.answer)
    return names


def _condition_problems(step: Step, index: int, answers: set[str], here: _Locator) -> list[Problem]:
    found = []
    for i, branch in enumerate(step.branches):
        for var in variables(branch.when):
            if var in PLAIN_VARS or (var.startswith(RESULT_PREFIX) and len(var) > len(RESULT_PREFIX)):
                continue
            path = ("steps", index, "branches", i, "when")
            if var.startswith(ANSWER_PREFIX):
                if var[len(ANSWER_PREFIX):] not in answers:
                    found.append(here.at(path, f"step '{step.id}': condition reads '{var}', but no form field or "
                                               "choose step of this item answers it"))
            else:
                found.append(here.at(path, f"step '{step.id}': condition uses unknown variable '{var}'; use "
                                           f"{', '.join(PLAIN_VARS)}, answer.<field> or result.<key>"))
    return found


def _unique(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for problem in problems:
        if problem not in seen:
            seen.add(problem)
            out.append(problem)
    return sorted(out)
