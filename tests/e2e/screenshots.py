"""Screenshots of the pages marked ``shot`` in tests/e2e/pages.py, written when the
PORTAL_SCREENSHOTS variable names a folder (scripts/screenshots.sh sets it to
docs/screenshots). 1280 px wide, the page up to 1400 px high, reduced to a 256-colour
palette PNG to stay small."""

import io
import os
from pathlib import Path

from PIL import Image

WIDTH, MAX_HEIGHT = 1280, 1400


def folder() -> Path | None:
    value = os.environ.get("PORTAL_SCREENSHOTS")
    return Path(value) if value else None


def save(page, name: str) -> None:
    target = folder()
    if target is None:
        return
    target.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": WIDTH, "height": 800})
    png = page.screenshot(full_page=True, animations="disabled", caret="hide")
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image = image.crop((0, 0, WIDTH, min(image.height, MAX_HEIGHT))).quantize(colors=256)
    image.save(target / f"{name}.png", optimize=True)
