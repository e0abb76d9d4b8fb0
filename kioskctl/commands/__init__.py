"""One module per command group; each exposes ``app`` (a typer.Typer) and ``NAME``."""
