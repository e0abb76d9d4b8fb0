"""Mermaid flowcharts of service items, for review in pull requests and docs."""

from __future__ import annotations

from flows.conditions import describe
from flows.model import ServiceItem

_RESERVED = {"end", "graph", "subgraph", "flowchart", "style", "class", "classDef", "click", "linkStyle"}


def _node(step_id: str) -> str:
    # Mermaid treats these words as keywords, so a step named "end" would break the chart.
    return f"{step_id}_" if step_id in _RESERVED else step_id


def _label(text: str) -> str:
    return text.replace('"', "'").replace("\n", " ")


def mermaid(item: ServiceItem) -> str:
    """A ``flowchart TD`` of the steps: nodes show kind and title, edges show branch conditions and options."""
    out = ["flowchart TD", f"    %% {item.code}: {_label(item.name)}"]
    for step in item.steps:
        text = f"{step.id}<br/>[{step.kind}] {_label(step.title)}"
        shape = ('(["', '"])') if step.kind == "done" else ('["', '"]')
        out.append(f"    {_node(step.id)}{shape[0]}{text}{shape[1]}")
    out.append("    __finish((结束))")
    out.append(f"    __start((开始)) --> {_node(item.steps[0].id)}")
    for index, step in enumerate(item.steps):
        for branch in step.branches:
            out.append(f'    {_node(step.id)} -->|"{_label(describe(branch.when))}"| {_node(branch.goto)}')
        if step.kind == "done":
            out.append(f"    {_node(step.id)} --> __finish")
            continue
        default = step.next or (item.steps[index + 1].id if index + 1 < len(item.steps) else None)
        if step.kind == "choose":
            for option in step.options:
                if option.goto:
                    out.append(f'    {_node(step.id)} -->|"{_label(option.label)}"| {_node(option.goto)}')
            if all(option.goto for option in step.options):
                continue
        if step.kind == "consent":
            decline = _node(step.on_decline) if step.on_decline else "__finish"
            out.append(f'    {_node(step.id)} -.->|"不同意"| {decline}')
        if step.kind == "verify_face" and step.on_alternative:
            out.append(f'    {_node(step.id)} -.->|"不同意或未通过"| {_node(step.on_alternative)}')
        if default:
            label = "否则" if step.branches else ""
            if step.kind == "choose" and any(option.goto for option in step.options):
                label = " / ".join(_label(option.label) for option in step.options if not option.goto)
            edge = f'-->|"{label}"|' if label else "-->"
            out.append(f"    {_node(step.id)} {edge} {_node(default)}")
    return "\n".join(out) + "\n"
