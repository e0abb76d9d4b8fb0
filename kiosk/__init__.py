"""The Kivy kiosk UI: a thin client of kioskd."""
