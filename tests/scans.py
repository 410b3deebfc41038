"""Scanned copies of rendered reports: PDF pages rasterised, damaged as scanners and re-saves damage
them (a slight turn, blur, JPEG compression), and wrapped again as a PDF without a text layer.

Used by tests/test_ocr.py and benchmarks/ocr.py.
"""

from __future__ import annotations

import io
import random
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pypdfium2
from PIL import Image, ImageFilter


@dataclass(frozen=True)
class Damage:
    name: str
    degrees: float = 0.0  # the page turned by up to this much, either way
    blur: float = 0.0  # Gaussian blur radius in pixels
    quality: int = 95  # JPEG quality of the saved scan


DAMAGE = {
    "clean": Damage("clean"),
    "light": Damage("light", degrees=0.4, blur=0.5, quality=80),
    "heavy": Damage("heavy", degrees=1.0, blur=0.9, quality=55),
}


@cache
def require_cjk_font() -> None:
    """Fail at once, saying why, where no Chinese font is installed. The renderings use reportlab's
    built-in STSong-Light, which a PDF names but does not embed: pdfium then draws every Chinese
    character as nothing, and OCR of the page reads only digits."""
    found = shutil.which("fc-list") and subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    if not found:
        raise RuntimeError(
            "no Chinese font on this system: scans would print no Chinese (apt-get install fonts-wqy-microhei)"
        )


def pages_of(pdf: Path, dpi: int, pages: list[int] | None = None) -> list[Image.Image]:
    require_cjk_font()
    doc = pypdfium2.PdfDocument(str(pdf))
    try:
        numbers = pages if pages is not None else list(range(1, len(doc) + 1))
        return [doc[n - 1].render(scale=dpi / 72).to_pil().convert("L") for n in numbers]
    finally:
        doc.close()


def damaged(image: Image.Image, damage: Damage, rng: random.Random) -> Image.Image:
    if damage.degrees:
        image = image.rotate(rng.uniform(-damage.degrees, damage.degrees), Image.BICUBIC, fillcolor=255)
    if damage.blur:
        image = image.filter(ImageFilter.GaussianBlur(damage.blur))
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=damage.quality)
    return Image.open(io.BytesIO(buf.getvalue()))


def to_scan(pdf: Path, target: Path, dpi: int, damage: Damage, seed: int = 0, pages: list[int] | None = None) -> Path:
    """An image-only PDF of `pdf` (or of some of its pages), as if printed and scanned at `dpi`."""
    rng = random.Random(seed)
    images = [damaged(im, damage, rng) for im in pages_of(pdf, dpi, pages)]
    images[0].save(target, "PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return target


def to_image(pdf: Path, target: Path, dpi: int, damage: Damage, page: int, seed: int = 0) -> Path:
    """One page as an image file (PNG or JPEG by the target's suffix)."""
    image = damaged(pages_of(pdf, dpi, [page])[0], damage, random.Random(seed))
    image.save(target)
    return target
