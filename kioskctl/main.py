"""kioskctl entry point: collects the command groups in ``kioskctl/commands``.

Exit codes (ARCHITECTURE.md, contract): 0 done; 1 failed; 2 usage or invalid input; 3 nothing there
in time. With ``--json`` only JSON goes to stdout.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer

from common import umask
from kioskctl import commands

app = typer.Typer(
    help="Technician and developer CLI for the self-service kiosk.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
    module = importlib.import_module(f"{commands.__name__}.{info.name}")
    group = getattr(module, "app", None)
    if group is None:
        continue
    name = getattr(module, "NAME", info.name.replace("_", "-"))
    if isinstance(group, typer.Typer):
        app.add_typer(group, name=name)
    else:  # a plain function is a single command
        app.command(name=name)(group)


def main() -> None:
    umask.private()
    app()
