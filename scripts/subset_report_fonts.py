"""Write the report PDF's fonts: DejaVu Sans and DejaVu Sans Bold, cut to the scripts a Norwegian
report is written in, into bufdir_reporting/resolvers/reporting/fonts/ (with their licence).

    python scripts/subset_report_fonts.py [DIRECTORY]   # DIRECTORY: where DejaVuSans.ttf is,
                                                        # default Debian's fonts-dejavu-core

Why a subset shipped with the package: the PDF embeds (a subset of) every font it uses, and the
renderer cuts each font anew for every document; the whole DejaVu Sans (740 KB, hinted) made that
a third of a report's rendering time. Shipping the fonts also gives every machine the same glyphs
and metrics, so a report takes as many pages everywhere. Kept: Latin (Norwegian, Sami, the rest
of Europe, Vietnamese), combining accents (text written decomposed), Greek, Cyrillic,
punctuation, currency, letterlike symbols, arrows, mathematical operators and geometric
shapes. A character outside them is drawn from a font the system has, if any.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

SOURCE = Path("/usr/share/fonts/truetype/dejavu")
LICENCE = Path("/usr/share/doc/fonts-dejavu-core/copyright")
TARGET = Path(__file__).resolve().parent.parent / "bufdir_reporting" / "resolvers" / "reporting" / "fonts"
FACES = ("DejaVuSans", "DejaVuSans-Bold")
RANGES = (
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x024F),  # Latin-1, Latin Extended-A and -B (æøå, Sami č đ ŋ š ŧ ž)
    (0x0250, 0x02FF),  # IPA, spacing modifier letters
    (0x0300, 0x036F),  # combining diacritical marks
    (0x0370, 0x03FF),  # Greek
    (0x0400, 0x04FF),  # Cyrillic
    (0x1E00, 0x1EFF),  # Latin Extended Additional
    (0x2000, 0x206F),  # general punctuation (dashes, quotes, no-break and thin spaces)
    (0x2070, 0x209F),  # super- and subscripts
    (0x20A0, 0x20CF),  # currency
    (0x2100, 0x218F),  # letterlike symbols, number forms
    (0x2190, 0x21FF),  # arrows
    (0x2200, 0x22FF),  # mathematical operators
    (0x25A0, 0x25FF),  # geometric shapes
    (0xFB00, 0xFB06),  # Latin ligatures
    (0xFFFD, 0xFFFD),  # the replacement character
)


def cut(source: Path, target: Path) -> None:
    options = subset.Options()
    options.hinting = False  # the PDF is scaled, not rasterised at small sizes by the font
    options.layout_features = ["*"]  # kerning and the marks' positioning stay
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["FFTM"]
    font = TTFont(source, recalcTimestamp=False)  # the same bytes from the same source
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[code for first, last in RANGES for code in range(first, last + 1)])
    subsetter.subset(font)
    font.save(target)


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE
    TARGET.mkdir(parents=True, exist_ok=True)
    for face in FACES:
        cut(source / f"{face}.ttf", TARGET / f"{face}.ttf")
        print(f"{TARGET / face}.ttf: {(TARGET / f'{face}.ttf').stat().st_size:,} bytes")
    shutil.copyfile(LICENCE, TARGET / "LICENSE")


if __name__ == "__main__":
    main()
