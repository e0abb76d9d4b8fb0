"""A Kivy core label that draws each line in the font, script and direction its characters need.

One widget can then show a Tibetan or Uyghur line above its Chinese line (bilingual mode): the
SDL2 provider shapes every chunk it measures or draws with HarfBuzz, and here the options for
each chunk are switched by its script just before that happens.
"""

from __future__ import annotations

from functools import lru_cache

from kivy.core.text import Label as CoreLabel
from kivy.core.text import LabelBase

from ..linebreak import first_bad_break, line_starts, unbreakable_runs
from ..scripts import ARABIC, MONGOLIAN, TIBETAN, has_han, script_of, tags_in, visual_rtl

# One letter per script, drawn once per layout to set the font's script and direction (below).
_PRIMERS = {TIBETAN.tag: "ཀ", ARABIC.tag: "ا", MONGOLIAN.tag: "ᠠ"}


class ScriptCoreLabel(CoreLabel):
    """CoreLabel with a per-chunk font: Tibetan/Arabic-script chunks use their registered family."""

    def _swap(self, text: str):
        script = script_of(text)
        if script is None:
            return text, None
        opts = self.options
        saved = (opts["font_name_r"], opts["font_script_name"], opts["font_direction"])
        fonts = LabelBase._fonts.get(script.font)
        if fonts is None:  # font not registered: draw in the default font rather than fail
            return text, None
        opts["font_name_r"] = fonts[2] if opts.get("bold") else fonts[0]
        opts["font_script_name"] = script.tag
        opts["font_direction"] = script.direction
        if script.direction == "rtl":
            text = visual_rtl(text)
        return text, saved

    def _restore(self, saved) -> None:
        if saved is not None:
            opts = self.options
            opts["font_name_r"], opts["font_script_name"], opts["font_direction"] = saved

    fresh = False  # set by the widget for labels whose text changes in place (header, step titles)

    def refresh(self) -> None:
        # Kivy re-fills a label's texture in place when the size is unchanged (the header's
        # "第3步" -> "第4步"), and the GL driver must first finish the frame still drawing from it:
        # 0.5-2.4 s per header update on llvmpipe at 1080x1920, most of a tap-to-next-screen.
        # Labels marked fresh get a new texture per text instead. Only a few (header, countdowns):
        # fresh step titles and prompts too made taps faster (36 ms median against 80 ms) but held
        # about 90 MB more, growing over the first 100 sessions; reusing idle textures from a pool
        # made llvmpipe wait again (p90 0.9-1.0 s), as did two textures in turn.
        if self.fresh:
            self.texture = None
        super().refresh()

    def render(self, real=False):
        if real:
            return super().render(real)
        self._prime()
        size = super().render(real)
        if self._text_size[0] is None or not self._text or not (has_han(self._text) or tags_in(self._text)):
            return size
        # 禁则, Tibetan syllables, whole Uyghur words: re-lay out with a hard break where Kivy broke
        # the line in a wrong place (see linebreak).
        original, text = self._text, self._text
        try:
            for _ in range(48):  # one fix per pass; a long Tibetan text can need one per line
                lines = [[w.text for w in line.words] for line in self._cached_lines]
                cut = first_bad_break(text, line_starts(text, lines))
                if cut is None:
                    break
                text = text[:cut] + "\n" + text[cut:]
                self._text = text
                size = super().render(real)
        finally:
            self._text = original
        return size

    def _prime_for(self, text: str) -> None:
        self.text = text
        self._prime()

    def _prime(self) -> None:
        """Draw one letter of each minority script in the text before measuring anything.

        The SDL2 provider sets a font's HarfBuzz script and direction only when it draws, not when
        it measures, so the first measurement with a newly opened size came out unshaped (an
        Uyghur line measured 552 px for 331 px of glyphs, and centring was off by the difference).
        """
        from kivy.core.text._text_sdl2 import _SurfaceContainer

        for tag in tags_in(self.text):
            shaped, saved = self._swap(_PRIMERS[tag])
            try:
                _SurfaceContainer(4, 4).render(self, shaped, 0, 0)
            finally:
                self._restore(saved)

    def get_extents(self, text):
        shaped, saved = self._swap(text)
        try:
            return super().get_extents(shaped)
        finally:
            self._restore(saved)

    def _render_text(self, text, x, y):
        shaped, saved = self._swap(text)
        try:
            if saved is not None and self.options["font_direction"] == "rtl" and self.options["halign"] == "left":
                # RTL lines start at the right edge of a left-aligned label.
                w = super().get_extents(shaped)[0]
                x = max(x, self._size[0] - self.options["padding"][2] - w)
            super()._render_text(shaped, x, y)
        finally:
            self._restore(saved)


@lru_cache(maxsize=256)  # the footer asks again for the same few labels on every screen
def widest_word(text: str, font_size: float, bold: bool = False) -> float:
    """Width in pixels of the widest piece of ``text`` that no line may be broken inside."""
    label = ScriptCoreLabel(font_size=font_size, bold=bold)
    label._prime_for(text)
    # Kivy lays out a word with the space after it, so that space must fit on the line too.
    return max((label.get_extents(run + " ")[0] for run in unbreakable_runs(text)), default=0.0)
