"""QR codes on a page image, corner first (zxing-cpp).

Our pre-filled forms print one QR code (``BT1|<form_code>|<unit_code>|<year or period>``) near
the top right corner.  Searching a corner crop costs about a millisecond, the whole 300 dpi page
forty to several hundred (a noisy phone photo), so the four corners are tried first, top right
first, and the whole page only when no corner holds a code.  Corners are corners whichever way
the page was fed, so this works before the page is turned upright; the symbol's orientation then
tells which way the page is turned (:attr:`QrCode.quarter_turns`).

Only QR codes are read (model 1 and 2): not Micro QR or rMQR, which zxing-cpp 3 counts in its
"QR Code" family and which a stamp's texture or a table's corner can fake more easily.
"""

from __future__ import annotations

from dataclasses import dataclass

import zxingcpp
from PIL import Image

CORNER_WIDTH = 0.35  # share of the page width a corner crop takes
CORNER_HEIGHT = 0.25  # share of the page height
# (name, left, top) of each corner crop, as shares of the free width/height; top right first
CORNERS = (("top-right", 1, 0), ("top-left", 0, 0), ("bottom-right", 1, 1),
           ("bottom-left", 0, 1))

_FORMATS = zxingcpp.BarcodeFormats([zxingcpp.BarcodeFormat.QRCodeModel1,
                                    zxingcpp.BarcodeFormat.QRCodeModel2])
# zxing-cpp reports a model 2 code as the family ("QRCode"); these two are refused all the same
_NOT_QR = (zxingcpp.BarcodeFormat.MicroQRCode, zxingcpp.BarcodeFormat.RMQRCode)


@dataclass(frozen=True)
class QrCode:
    """One QR code found: its text, how the symbol is turned and where it was found."""

    payload: str
    orientation: int  # degrees the symbol is turned clockwise in the image (zxing's convention)
    where: str  # a corner name or "page"
    bbox: tuple[int, int, int, int]  # left, top, right, bottom in the image's pixels

    @property
    def quarter_turns(self) -> int:
        """Counter-clockwise quarter turns (PIL's ROTATE_90 steps) that make the code upright."""
        return round(self.orientation / 90) % 4


def read_qr(image: Image.Image) -> list[QrCode]:
    """The QR codes of one page image: those of the first corner holding any, else the page's."""
    gray = image if image.mode == "L" else image.convert("L")
    width, height = gray.size
    cw, ch = round(width * CORNER_WIDTH), round(height * CORNER_HEIGHT)
    for name, fx, fy in CORNERS:
        left, top = fx * (width - cw), fy * (height - ch)
        found = _decode(gray.crop((left, top, left + cw, top + ch)), name, left, top)
        if found:
            return found
    return _decode(gray, "page", 0, 0)


def _decode(image: Image.Image, where: str, dx: int, dy: int) -> list[QrCode]:
    codes: list[QrCode] = []
    seen: set[str] = set()
    for code in zxingcpp.read_barcodes(image, formats=_FORMATS):
        if not code.valid or code.format in _NOT_QR or code.text in seen:
            continue
        seen.add(code.text)
        pos = code.position
        xs = [p.x for p in (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)]
        ys = [p.y for p in (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)]
        codes.append(QrCode(code.text, int(code.orientation), where,
                            (min(xs) + dx, min(ys) + dy, max(xs) + dx, max(ys) + dy)))
    return codes
