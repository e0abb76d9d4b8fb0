"""Imported by the package build's smoke test: fails unless the face models the kiosk loads are installed."""

from drivers.face.models import model_folder

FOLDER = model_folder()
