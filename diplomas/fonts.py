"""The diploma's everyday font: a compact cut of Noto Sans CJK SC built once per machine.

WeasyPrint embeds a subset of every font a page uses, and it subsets keeping the original glyph ids: the embedded
font spans every glyph id up to the highest one used. Noto Sans CJK has 65,535 glyphs with the Han characters at ids
9,000-45,000, so each diploma's subset walked and compressed tens of thousands of empty glyphs (about 25 ms and 50 KB
per diploma). This module builds, from the machine's own Noto Sans CJK SC, a font holding only what diplomas need
almost always: Latin with pinyin tones, Cyrillic, punctuation and the 6,763 Han characters of GB 2312, renumbered so
they sit below id 7,500. The stylesheet lists it first and Noto Sans CJK SC after it, so a rarer character (玥, 喆,
a Han character outside GB 2312) is drawn by the full font: never a box, only a slower page.

The result is cached in ``settings.DIPLOMA_FONT_DIR`` under a name derived from the source file and this builder's
version; building takes about 6 s and happens at setup (``manage.py diploma_fonts``) or, failing that, on the
first render of a process. Noto fonts are under the SIL Open Font License, which allows modified versions.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import tempfile
import threading
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

FAMILY = "Mobility Sans"
SOURCE_FAMILY = "Noto Sans CJK SC"
# Bump when the character set or the options change: the cached file's name changes with it.
BUILD_VERSION = 2

# Code point ranges kept besides GB 2312's Han characters.
RANGES = (
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x024F),  # Latin-1, Latin Extended-A and -B: pinyin's tone marks (ā, ǎ, ǚ…), names of every partner
    (0x0300, 0x036F),  # combining marks
    (0x0400, 0x052F),  # Cyrillic and its supplement
    (0x2000, 0x206F),  # general punctuation: dashes, quotes, the middle dot
    (0x2100, 0x21FF),  # letterlike symbols (№) and arrows
    (0x2200, 0x22FF),  # mathematical operators: the grading scales' ≥ and ≤ (else Noto CJK's whole font is subset)
    (0x3000, 0x303F),  # CJK punctuation
    (0xFF00, 0xFFEF),  # full-width forms
)
# Layout features kept; vertical forms and other locales' glyph variants (most of the font) are dropped.
FEATURES = ("ccmp", "kern", "liga", "calt", "clig", "rlig", "mark", "mkmk")

_lock = threading.Lock()
_path: Path | None = None
_tried = False


def gb2312_han() -> set[int]:
    """The 6,763 Han characters of GB 2312 (rows 16-87 of the standard)."""
    chars = set()
    for high in range(0xB0, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes((high, low)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return chars


def code_points() -> set[int]:
    points = gb2312_han()
    for first, last in RANGES:
        points.update(range(first, last + 1))
    return points


def source_font() -> tuple[Path, int] | None:
    """File and face index of the machine's Noto Sans CJK SC Regular, as fontconfig resolves it (what WeasyPrint
    would draw with), or None when it is not installed."""
    try:
        found = subprocess.run(
            ["fc-match", "--format=%{file}\n%{index}\n%{family}", f"{SOURCE_FAMILY}:style=Regular"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout.split("\n")
    except (OSError, subprocess.SubprocessError):
        return None
    if len(found) < 3 or SOURCE_FAMILY not in found[2].split(","):
        return None
    return Path(found[0]), int(found[1] or 0)


def cached_name(source: Path, index: int) -> str:
    stat = source.stat()
    key = f"{source}:{index}:{stat.st_size}:{stat.st_mtime_ns}:{BUILD_VERSION}"
    return f"mobility-sans-{hashlib.sha256(key.encode()).hexdigest()[:16]}.otf"


def build(source: Path, index: int, target: Path) -> None:
    """Write the compact font to ``target`` (atomically: several workers may build at once)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    logging.getLogger("fontTools").setLevel(logging.WARNING)  # its INFO lists every glyph kept
    font = TTFont(source, fontNumber=index, lazy=False)
    options = subset.Options()
    options.layout_features = list(FEATURES)
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=code_points())
    subsetter.subset(font)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
    os.close(handle)
    try:
        font.save(temporary)
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide it from workers running as another user
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def compact_font(*, build_missing: bool = True) -> Path | None:
    """Path of the compact font, built on first need; None (the page then uses Noto Sans CJK SC alone) when the
    source font is missing or the build failed, which is logged once per process."""
    global _path, _tried
    if _tried:
        return _path
    with _lock:
        if _tried:
            return _path
        source = source_font()
        if source is None:
            logger.warning("%s is not installed: diplomas use whatever fontconfig substitutes.", SOURCE_FAMILY)
        else:
            target = Path(settings.DIPLOMA_FONT_DIR) / cached_name(*source)
            if not target.exists() and build_missing:
                try:
                    build(*source, target)
                except Exception:
                    logger.exception("Building %s from %s failed; diplomas use the full font.", FAMILY, source[0])
            _path = target if target.exists() else None
        _tried = True
        return _path


def reset() -> None:
    """Forget the process's answer (tests)."""
    global _path, _tried
    with _lock:
        _path, _tried = None, False
