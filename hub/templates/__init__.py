"""Jinja2 templates of the staff pages (a package so they ship in the wheel)."""
