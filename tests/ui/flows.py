"""Walking the fake kioskd's test item (``tests/ui/items/hj-zm.yaml``) through the UI, as the tests' citizen."""

from __future__ import annotations

PHONE = "13912345678"


def walk_to(kiosk, target: str, item: str = "hj-zm") -> None:
    """Tap through the session from the home screen until ``target`` is shown."""
    app, fake, p = kiosk.app, kiosk.fake, kiosk.pilot
    if app.current == "home":
        p.tap(f"home.item.{item}")
        p.wait_screen("guide")
    actions = {
        "guide": lambda: p.tap("guide.next"),
        "consent": lambda: p.tap("consent.agree"),
        "identify": fake.place_card,
        "form": lambda: fill_phone(p),
        "choose": lambda: p.tap("choose.print"),
        "capture": fake.place_document,  # auto-capture takes the page and the step moves on
        "review": lambda: p.tap("review.next"),
        "submit": lambda: None,
        "print": fake.finish_printing,  # the receipt comes out and the step moves on
        "rate": lambda: p.tap("rate.level5"),
        "done": lambda: p.tap("done.finish"),
        "verify_face": lambda: pass_face(kiosk),
    }
    for _ in range(30):
        p.wait_until(lambda: not app.busy and app.current != "submit", "the next step")
        p.frame(1)
        if app.current == target:
            return
        current = app.current
        actions[current]()
        p.wait_until(lambda c=current: app.current != c or app.current == target, f"leaving {current}")
    raise AssertionError(f"never reached {target}; at {app.current}")


def pass_face(kiosk) -> None:
    """The citizen agrees to the face check and the attempt passes."""
    p = kiosk.pilot
    if p.find("verify_face.agree") is not None:
        p.tap("verify_face.agree")
        p.wait_until(lambda: p.find("verify_face.hint") is not None, "the face check's live view")
    kiosk.fake.finish_face("passed")


def fill_phone(p) -> None:
    p.tap("form.field.phone")
    for key in PHONE:
        p.tap(f"key.{key}")
    p.tap("key.OK")
    p.tap("form.submit")


def open_maintenance(kiosk) -> None:
    """The technician's way in: the four-corner gesture, the PIN, then the device list drawn."""
    p = kiosk.pilot
    for corner in ("tl", "tr", "tl", "tr"):
        p.tap_corner(corner)
    p.wait_screen("pin")
    for key in "2468":
        p.tap(f"key.{key}")
    p.tap("key.OK")
    p.wait_screen("maintenance")
    p.wait_until(lambda: p.find("tech.device.printer") is not None, "the device list")
