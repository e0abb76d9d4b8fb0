"""Mermaid flowcharts of service items, for review in pull requests and docs."""

from __future__ import annotations

from flows.conditions import describe
from flows.model import ServiceItem


def _label(text: str) -> str:
    return text.replace('"', "'").replace("\n", " ")


def mermaid(item: ServiceItem) -> str:
    """A ``flowchart TD`` of the steps: nodes show kind and title, edges show branch conditions and options."""
    out = ["flowchart TD", f"    %% {item.code}: {_label(item.name)}"]
    for step in item.steps:
        text = f"{step.id}<br/>[{step.kind}] {_label(step.title)}"
        shape = ('(["', '"])') if step.kind == "done" else ('["', '"]')
        out.append(f"    {step.id}{shape[0]}{text}{shape[1]}")
    out.append("    finish((结束))")
    out.append(f"    start((开始)) --> {item.steps[0].id}")
    for index, step in enumerate(item.steps):
        for branch in step.branches:
            out.append(f'    {step.id} -->|"{_label(describe(branch.when))}"| {branch.goto}')
        if step.kind == "done":
            out.append(f"    {step.id} --> finish")
            continue
        default = step.next or (item.steps[index + 1].id if index + 1 < len(item.steps) else None)
        if step.kind == "choose":
            for option in step.options:
                if option.goto:
                    out.append(f'    {step.id} -->|"{_label(option.label)}"| {option.goto}')
            if all(option.goto for option in step.options):
                continue
        if step.kind == "consent":
            decline = step.on_decline or "finish"
            out.append(f'    {step.id} -.->|"不同意"| {decline}')
        if default:
            label = "否则" if step.branches else ""
            out.append(f'    {step.id} -->|"{label}"| {default}' if label else f"    {step.id} --> {default}")
    return "\n".join(out) + "\n"
