"""Static files of the helper pages (a package so they ship in the wheel)."""
