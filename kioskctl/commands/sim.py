"""``kioskctl sim KIND``: run a device simulator standalone, so the stack can be tested without hardware."""

from __future__ import annotations

import importlib
import pkgutil

import typer

from kioskctl import simulators

app = typer.Typer(help="Run a device simulator (ID card reader on a pty, virtual printer on TCP, ...).",
                  no_args_is_help=True)

for info in sorted(pkgutil.iter_modules(simulators.__path__), key=lambda m: m.name):
    module = importlib.import_module(f"{simulators.__name__}.{info.name}")
    app.command(name=getattr(module, "NAME", info.name))(module.command)
