"""Pages rendered to PNG with pdftoppm, and their pixels counted."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
from PIL import Image

BAND_RGB = (0xBF, 0xDB, 0xFE)  # charts.BAND: the least-significant-change band
LINE_RGB = (0x1D, 0x4E, 0xD8)  # charts.LINE: the BMD line and intake bars
TARGET_RGB = (0x04, 0x78, 0x57)  # charts.TARGET: target lines, weeks met


def page_images(pdf: Path, folder: Path, dpi: int = 40) -> list[np.ndarray]:
    """Every page as an RGB array (height x width x 3)."""
    prefix = folder / pdf.stem
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(prefix)], check=True)
    return [
        np.asarray(Image.open(p).convert("RGB"), dtype=np.int16)
        for p in sorted(folder.glob(f"{pdf.stem}-*.png"))
    ]


def count_near(page: np.ndarray, rgb: tuple[int, int, int], tolerance: int = 12) -> int:
    return int(np.all(np.abs(page - np.array(rgb)) <= tolerance, axis=2).sum())


def non_white_share(page: np.ndarray) -> float:
    return float((page.min(axis=2) < 240).mean())
