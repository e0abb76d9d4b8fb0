"""Which of an item's words exist in each minority language, and which still await a native speaker.

Pure: works on loaded ``ServiceItem``s. ``kioskctl flows translations`` prints it; the loader's
checks (``validate``) use ``LANGUAGES`` and ``placeholders``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from flows.model import ServiceItem, Step

# The minority languages a kiosk can offer beside Chinese: Tibetan, Uyghur, traditional Mongolian.
LANGUAGES = ("bo_CN", "ug_CN", "mn_CN")
_PLACEHOLDER = re.compile(r"\{[^{}]+\}")


def placeholders(text: str) -> set[str]:
    """The ``{name}`` slots of a text (a translation must keep exactly the Chinese one's)."""
    return set(_PLACEHOLDER.findall(text))


def texts(item: ServiceItem) -> Iterator[tuple[str, str]]:
    """Every translatable text of an item as (key, Chinese): ``name``, ``steps.ID.title``, ``steps.ID.options.V``."""
    yield "name", item.name
    if item.theme:
        yield "theme", item.theme
    for step in item.steps:
        yield from _step_texts(step)


def _step_texts(step: Step) -> Iterator[tuple[str, str]]:
    base = f"steps.{step.id}"
    for part in ("title", "prompt", "body"):
        chinese = getattr(step, part)
        if chinese:
            yield f"{base}.{part}", chinese
    for option in getattr(step, "options", ()):
        yield f"{base}.options.{option.value}", option.label


def translated(item: ServiceItem, language: str, key: str) -> str:
    """The item's text for ``key`` in ``language``, '' when there is none."""
    words = item.translations.get(language)
    if words is None:
        return ""
    if key in ("name", "theme"):
        return getattr(words, key)
    _, step_id, part, *rest = key.split(".")
    text = words.steps.get(step_id)
    if text is None:
        return ""
    return text.options.get(rest[0], "") if part == "options" else getattr(text, part)


def coverage(items: Iterable[ServiceItem], languages: Iterable[str] = LANGUAGES) -> dict[str, dict[str, Any]]:
    """Per language: how many texts the items have, which are missing, and which items await review."""
    items = list(items)
    report: dict[str, dict[str, Any]] = {}
    for language in languages:
        total = 0
        missing: list[dict[str, str]] = []
        unreviewed: list[str] = []
        for item in items:
            keys = list(texts(item))
            total += len(keys)
            missing += [{"item": item.code, "key": key, "chinese": chinese} for key, chinese in keys
                        if not translated(item, language, key).strip()]
            words = item.translations.get(language)
            if words is None or not words.reviewed_by.strip():
                unreviewed.append(item.code)
        report[language] = {"texts": total, "translated": total - len(missing), "missing": missing,
                            "unreviewed": unreviewed, "complete": not missing,
                            "reviewed": not unreviewed}
    return report


def prompt_id(item_code: str, step_id: str) -> str:
    """The id a step's spoken prompt goes by, and the name of its recording in a voice pack (``item.step``)."""
    return f"{item_code}.{step_id}"


def recordable(step: Step) -> bool:
    """Whether a step's prompt can be recorded once: one with ``{slots}`` changes per citizen and is synthesised."""
    return bool(step.prompt) and not placeholders(step.prompt)


def voice_prompts(items: Iterable[ServiceItem], language: str) -> dict[str, str]:
    """The prompts a hall can record for ``language``: id -> the words to read (Chinese where not translated)."""
    script: dict[str, str] = {}
    for item in items:
        for step in item.steps:
            if recordable(step):
                script[prompt_id(item.code, step.id)] = (
                    translated(item, language, f"steps.{step.id}.prompt") or step.prompt)
    return script
