"""Icons from the Material Icons font shipped in ``assets/icons`` (Apache 2.0; see its README).

An item's ``icon`` in its flow definition names a picture (``ticket``, ``fund``); a theme without
one gets its theme's. Glyphs are named by their Material names; codepoints from the font's own list.
"""

from __future__ import annotations

from pathlib import Path

FONT = Path(__file__).resolve().parent.parent / "assets" / "icons" / "MaterialIcons-Regular.ttf"
# The same font from Debian's fonts-material-design-icons-iconfont, where the assets were not copied.
SYSTEM_FONT = Path("/usr/share/fonts/truetype/material-design-icons-iconfont/MaterialIcons-Regular.ttf")
FAMILY = "KioskIcons"


def font_path() -> Path | None:
    return next((p for p in (FONT, SYSTEM_FONT) if p.exists()), None)

GLYPHS = {
    "account_balance_wallet": 0xE850, "apartment": 0xEA40, "apps": 0xE5C3, "assignment": 0xE85D,
    "badge": 0xEA67, "check_circle": 0xE86C, "confirmation_number": 0xE638, "credit_card": 0xE870,
    "description": 0xE873, "draw": 0xE746, "face": 0xE87C, "edit_note": 0xE745, "elderly": 0xF21A,
    "event_available": 0xE614,
    "fact_check": 0xF0C5, "family_restroom": 0xF1A2, "health_and_safety": 0xE1D5, "home_work": 0xEA09,
    "local_hospital": 0xE548, "manage_search": 0xF02F, "medical_services": 0xF109, "more_horiz": 0xE5D3,
    "payments": 0xEF63, "photo_camera": 0xE412, "print": 0xE8AD, "real_estate_agent": 0xE73A,
    "receipt_long": 0xEF6E, "savings": 0xE2EB, "search": 0xE8B6, "storefront": 0xEA12,
    "support_agent": 0xF0E2, "upload": 0xF09B, "workspace_premium": 0xE7AF, "chevron_left": 0xE5CB,
    "chevron_right": 0xE5CC,
}

# The names flow definitions use (``icon: fund``) -> a glyph.
ITEM_ICONS = {
    "ticket": "confirmation_number", "search": "manage_search", "elder": "elderly",
    "certificate": "workspace_premium", "fund": "account_balance_wallet", "shop": "storefront",
    "id-card": "badge", "house": "home_work", "medical": "medical_services", "insurance": "health_and_safety",
    "family": "family_restroom", "form": "description",
}

# Themes a hall names often (any other: a generic document).
THEME_ICONS = {
    "大厅服务": "event_available", "民政养老": "elderly", "住房公积金": "account_balance_wallet",
    "企业开办": "storefront", "户政出入境": "badge", "户籍办理": "badge", "社保医保": "health_and_safety",
    "社会保障": "health_and_safety", "医疗保障": "medical_services", "不动产": "home_work",
}

# The stage bar's pictures (kiosk.layout.STAGE_ORDER).
STAGE_ICONS = {"identify": "badge", "verify": "face", "fill": "edit_note", "capture": "photo_camera",
               "review": "fact_check", "sign": "draw", "submit": "upload", "print": "print"}


def glyph(name: str) -> str:
    """The character that draws ``name`` in the icon font (a generic document for an unknown name)."""
    return chr(GLYPHS.get(name, GLYPHS["description"]))


def item_glyph(icon: str, theme: str) -> str:
    """The picture on an item's tile: its own icon, else its theme's."""
    return glyph(ITEM_ICONS.get(icon, icon if icon in GLYPHS else THEME_ICONS.get(theme, "description")))
