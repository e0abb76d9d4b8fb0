"""Standalone device simulators; each module exposes ``command`` (a typer command) and ``NAME``."""
