"""Where the DejaVu fonts of the reports live (fonts-dejavu-core on Debian, elsewhere on others).

The PDF embeds them through @font-face; the raster charts draw their labels with the same faces.
"""

from __future__ import annotations

from pathlib import Path

DEJAVU_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
)
DEJAVU_REGULAR = "DejaVuSans.ttf"
DEJAVU_BOLD = "DejaVuSans-Bold.ttf"
DEJAVU_FACES = ((DEJAVU_REGULAR, "normal", "normal"), (DEJAVU_BOLD, "bold", "normal"))


def dejavu_file(name: str) -> Path | None:
    """The first DejaVu font file called `name`, or None when none of the folders has it."""
    for folder in DEJAVU_DIRS:
        if (folder / name).is_file():
            return folder / name
    return None
