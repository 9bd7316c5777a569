"""Scans and photos → :class:`~parsers.base.Layout` of OCR lines and words with boxes.

Most returned forms are printed, filled in, stamped and scanned, or photographed with a phone.
Each page goes through the same stages, the pages of a file in parallel threads (each running
one single-threaded Tesseract process):

1. **scale**: a page finer than 360 dpi is brought down to 300, one coarser than 150 blown up to
   200, anything between read as it is (a 200 dpi scan read as well as when blown up to 300, in
   half the time); a photo that says nothing believable about its resolution is taken to be an
   A4 page filling the frame;
2. **ink**: each pixel compared with the paper around it, so that shadows and uneven light on a
   phone photo do not reach Tesseract;
3. **QR**: corners first (``parsers.qr``); a code found also says which way the page is turned,
   and is painted out before OCR;
4. **orientation and skew** from the pixels: the direction that makes the ink's projection
   profile sharpest gives the text lines' axis and skew; ascenders, capitals and Vietnamese
   diacritics make lines heavier above their core than below, which tells up from down.  That
   takes ~0.1 s a page where Tesseract's OSD took 1-1.5 s and was less sure;
5. **OCR** of the upright, straightened page (``parsers.ocr``); a page that reads badly is read
   once more turned the other way and the better reading kept, so a wrong guess in step 3
   costs time, not the page;
6. **blocks**: Tesseract's lines (split at wide gaps, like ``parsers.pdf_reader``) and words,
   boxes in points (72 per inch) from the top left of the upright page, with Tesseract's
   confidences; the page image as OCR'd is kept as a PNG so that a field can be shown to the
   clerk who confirms it.

Colour pages are OCR'd on their red channel: a red stamp over the signature and the secretary's
name then nearly vanishes, while black print and blue ink stay dark.  The page image kept for
the clerk is the ordinary grey one, stamp included.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
import unicodedata
import warnings
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from bontot.errors import ReadError
from parsers.base import Layout, TextBlock
from parsers.detect import read_head
from parsers.ocr import DEFAULT_LANG, DEFAULT_PSM, DEFAULT_TIMEOUT, Word, check_tesseract, ocr_image
from parsers.qr import read_qr

log = logging.getLogger(__name__)
A4_INCHES = (8.27, 11.69)
DPI_TRUSTED = (100.0, 1200.0)  # a resolution outside this is a camera's 72 dpi or nonsense
PAGE_INCHES = (4.0, 17.0)  # an image whose stated size falls outside this is no form page
LOW_DPI = 150  # below this, warn that characters may be misread, and blow the page up
UPSCALE_DPI = 200
LINE_GAP = 1.2  # words further apart than this many line heights are separate line blocks
RETRY_BELOW = 0.70  # mean word confidence under which the page is read turned the other way
POOR_BELOW = 0.60  # mean word confidence under which the clerk is told the page reads badly
BORDER_CHARS = "|¦│┃"  # table borders Tesseract reads as letters
INK_SHARE = 0.65  # darker than this share of the surrounding paper is ink
QR_PREFIX = "BT1|"  # our templates' QR codes, printed upright
NOISE_BELOW = 0.5  # a word with no letter or digit read less surely than this is a speck
# Word pairs Tesseract (vie) misreads on these forms, with no other reading in Vietnamese:
# (read, read) → (fixed, fixed, "name"); "name" only mends the pair where a name follows it or
# the line ends, since "chỉ bộ phận ..." ("only the department") is good Vietnamese.
SLIPS: dict[tuple[str, str], tuple[str, str, str | None]] = {
    ("Chỉ", "bộ"): ("Chi", "bộ", "name"),
    ("CHỈ", "BỘ"): ("CHI", "BỘ", None),
    ("Đảng", "bệ"): ("Đảng", "bộ", None),
    ("đảng", "bệ"): ("đảng", "bộ", None),
    ("ĐẢNG", "BỆ"): ("ĐẢNG", "BỘ", None),
}
MAX_RENDER_PIXELS = 36_000_000  # a PDF page is rendered no larger (A3 at 300 dpi is 17.4 M)


@dataclass(frozen=True)
class ScanSettings:
    """How scans are read; built once at the edge and passed down."""

    dpi: int = 300  # working resolution of OCR and of the kept page images
    lang: str = DEFAULT_LANG
    psm: int = DEFAULT_PSM
    timeout: float = DEFAULT_TIMEOUT  # seconds per page
    jobs: int | None = None  # pages at once; None: one per CPU
    cache_dir: str | None = None  # where page images go; None: <tmp>/bontot-pages
    max_pixels: int = Image.MAX_IMAGE_PIXELS or 89_478_485  # larger images are refused
    max_pages: int = 500

    def __post_init__(self) -> None:
        if not 100 <= self.dpi <= 600:
            raise ValueError(f"dpi {self.dpi}: Tesseract reads best at 200-400")
        if self.timeout <= 0 or (self.jobs is not None and self.jobs < 1):
            raise ValueError("timeout must be positive and jobs at least 1")

    @classmethod
    def resolve(cls, value: ScanSettings | Mapping[str, Any] | None) -> ScanSettings:
        if value is None:
            return cls()
        if isinstance(value, ScanSettings):
            return value
        return cls(**dict(value))

    @property
    def workers(self) -> int:
        return max(1, self.jobs or os.cpu_count() or 1)


@dataclass(frozen=True)
class _Source:
    """One page to OCR as it arrives: the pixels and the resolution it claims, if any."""

    index: int
    image: Image.Image
    dpi: float | None  # None: unknown, estimate from the size


@dataclass
class _PageResult:
    index: int
    blocks: list[TextBlock] = field(default_factory=list)
    qr: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    image_path: str = ""


# -- the readers --------------------------------------------------------------------------


def read_image(path: str | Path, settings: ScanSettings | Mapping[str, Any] | None = None
               ) -> Layout:
    """A JPG/PNG/TIFF scan or photo (a multi-page TIFF gives several pages)."""
    path = Path(path)
    conf = ScanSettings.resolve(settings)
    version = check_tesseract(conf.lang).version
    read_head(path)  # a missing, unreadable or empty file gets its own message
    results = _run_pages(_image_pages(path, conf), conf, _cache_dir(path, conf))
    return _layout("image", results, len(results), version)


def read_scanned_pdf(path: str | Path, pages: Sequence[int] | None = None,
                     settings: ScanSettings | Mapping[str, Any] | None = None) -> Layout:
    """OCR the given pages (0-based; all when None) of a PDF, rendered at the working dpi.

    Rendering rather than taking out the embedded images: the page as PDFium draws it is what
    the unit saw (several images, masks, /Rotate, a typed header over a scan), and the points of
    the result then match the text layer's on the other pages.
    """
    path = Path(path)
    conf = ScanSettings.resolve(settings)
    version = check_tesseract(conf.lang).version
    read_head(path)
    doc = _open_pdf(path)
    try:
        total = len(doc)
        wanted = sorted(set(range(total) if pages is None else pages))
        if any(not 0 <= i < total for i in wanted):
            raise ValueError(f"pages {wanted} outside a {total}-page PDF")
        if len(wanted) > conf.max_pages:
            raise ReadError(f"Tệp {path.name} có {len(wanted)} trang cần nhận dạng, quá giới hạn "
                            f"{conf.max_pages} trang; hãy tách thành nhiều tệp.", path.name)
        results = _run_pages(_pdf_pages(doc, wanted, conf), conf, _cache_dir(path, conf))
    finally:
        doc.close()
    return _layout("pdf-scan", results, total, version)


def complete_with_ocr(path: str | Path, text: Layout,
                      settings: ScanSettings | Mapping[str, Any] | None = None) -> Layout:
    """A PDF's text-layer Layout with the pages it lists in ``needs_ocr`` OCR'd.

    All pages listed: the file is a scan and is read as one (the text reader's notes kept).
    Some: the text pages' blocks and the OCR'd pages' blocks, page by page, source "pdf-scan"
    since part of it was OCR'd.
    """
    if not text.needs_ocr:
        return text
    scanned = read_scanned_pdf(path, pages=text.needs_ocr, settings=settings)
    blocks = sorted(text.blocks + scanned.blocks, key=lambda b: b.page)  # stable: keeps order
    return Layout(source="pdf-scan", blocks=tuple(blocks), pages=text.pages,
                  qr_payloads=text.qr_payloads + scanned.qr_payloads,
                  notes=text.notes + scanned.notes,
                  page_images={**text.page_images, **scanned.page_images}, needs_ocr=())


def _layout(source: str, results: list[_PageResult], pages: int, version: str) -> Layout:
    results.sort(key=lambda r: r.index)
    notes = [f"Đã nhận dạng chữ (OCR) {len(results)} trang bằng Tesseract {version}."]
    return Layout(
        source=source,  # type: ignore[arg-type]
        blocks=tuple(b for r in results for b in r.blocks),
        pages=pages,
        qr_payloads=tuple((r.index, q) for r in results for q in r.qr),
        notes=tuple(notes + [n for r in results for n in r.notes]),
        page_images={r.index: r.image_path for r in results},
    )


# -- getting the pages --------------------------------------------------------------------


def _image_pages(path: Path, conf: ScanSettings) -> Iterator[_Source]:
    """The frames of an image file one at a time, EXIF orientation applied; bombs refused.

    Each frame's size is checked before it is decoded; Pillow's own check only warns between
    its limit and twice that, so the warning is made an error too.
    """
    name = path.name
    with _decoding(name):
        image = Image.open(path)
    with image:
        with _decoding(name):
            frames = getattr(image, "n_frames", 1)
        if frames > conf.max_pages:
            raise ReadError(f"Tệp ảnh {name} có {frames} trang, quá giới hạn {conf.max_pages} "
                            "trang; hãy tách thành nhiều tệp.", name)
        for index in range(frames):
            with _decoding(name):
                image.seek(index)
                _check_size(image.size, conf, name)
                upright = ImageOps.exif_transpose(image)  # a copy: the file moves on
                source = _Source(index, _normalised(upright), _stated_dpi(image))
            yield source


@contextmanager
def _decoding(name: str) -> Iterator[None]:
    """Pillow's failures on a bad file, as the clerk's ReadError."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            yield
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _bomb(name) from exc
        except ReadError:
            raise
        except (OSError, ValueError, SyntaxError, EOFError) as exc:
            # PIL's UnidentifiedImageError is an OSError; so is a truncated file
            raise ReadError(f"Tệp ảnh {name} bị hỏng hoặc chưa tải về hết, không đọc được; hãy "
                            "nhờ đơn vị gửi lại.", name) from exc


def _check_size(size: tuple[int, int], conf: ScanSettings, name: str) -> None:
    if size[0] * size[1] > conf.max_pixels:
        raise _bomb(name)


def _bomb(name: str) -> ReadError:
    return ReadError(f"Tệp ảnh {name} có kích thước điểm ảnh quá lớn bất thường (có thể là ảnh "
                     "độc hại), không mở để đảm bảo an toàn; hãy nhờ đơn vị chụp hoặc quét lại "
                     "ở độ phân giải 300 dpi.", name)


def _stated_dpi(frame: Image.Image) -> float | None:
    """The resolution the file states, if it is believable for a form page."""
    dpi = frame.info.get("dpi")
    if not dpi:
        return None
    try:
        value = float(dpi[0] if isinstance(dpi, tuple) else dpi)
    except (TypeError, ValueError):
        return None
    if not DPI_TRUSTED[0] <= value <= DPI_TRUSTED[1]:
        return None
    long_side = max(frame.size) / value
    return value if PAGE_INCHES[0] <= long_side <= PAGE_INCHES[1] else None


def _normalised(image: Image.Image) -> Image.Image:
    """8-bit grey or RGB on white, whatever the file's mode (palette, alpha, 16-bit, CMYK)."""
    mode = image.mode
    if mode in ("L", "RGB"):
        return image
    if mode == "1":
        return image.convert("L")
    if mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        arr = np.asarray(image, dtype=np.float64)
        top = float(arr.max()) or 1.0
        return Image.fromarray((arr * (255.0 / top)).clip(0, 255).astype(np.uint8), "L")
    if mode in ("LA", "PA", "RGBA", "P", "La", "RGBa"):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def _pdf_pages(doc: Any, wanted: Iterable[int], conf: ScanSettings) -> Iterator[_Source]:
    """Pages rendered one at a time in this thread (PDFium is not thread-safe)."""
    for index in wanted:
        page = doc[index]
        try:
            width, height = page.get_size()
            scale = conf.dpi / 72.0
            pixels = width * height * scale * scale
            if pixels > MAX_RENDER_PIXELS:  # a poster-sized page: render smaller, not bigger
                scale *= (MAX_RENDER_PIXELS / pixels) ** 0.5
            bitmap = page.render(scale=scale, may_draw_forms=True)
            image = bitmap.to_pil().convert("RGB")
        finally:
            page.close()
        yield _Source(index, image, scale * 72.0)


def _open_pdf(path: Path) -> Any:
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise ReadError(f"Tệp PDF {path.name} bị hỏng, có mật khẩu hoặc chưa tải về hết, không "
                        "đọc được; hãy nhờ đơn vị gửi lại.", path.name) from exc


# -- pages in parallel --------------------------------------------------------------------


def _run_pages(sources: Iterator[_Source], conf: ScanSettings, cache: Path) -> list[_PageResult]:
    """Process pages on ``conf.workers`` threads; at most twice that many wait in memory."""
    results: list[_PageResult] = []
    pending: deque[Future[_PageResult]] = deque()
    pool = ThreadPoolExecutor(max_workers=conf.workers, thread_name_prefix="ocr-page")
    try:
        for source in sources:
            pending.append(pool.submit(_process_page, source, conf, cache))
            while len(pending) > 2 * conf.workers:
                results.append(pending.popleft().result())
        while pending:
            results.append(pending.popleft().result())
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return results


def _cache_dir(path: Path, conf: ScanSettings) -> Path:
    """A folder for this file's page images, named by its content (re-reads reuse it)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    root = Path(conf.cache_dir) if conf.cache_dir else Path(tempfile.gettempdir()) / "bontot-pages"
    folder = root / digest.hexdigest()[:24]
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# -- one page -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Reading:
    turns: int
    skew: float
    words: list[Word]

    @property
    def score(self) -> float:
        """Confident text read: garbage from a wrong orientation reads long and unsure."""
        return sum(w.confidence * len(w.text) for w in self.words)

    @property
    def mean(self) -> float:
        return sum(w.confidence for w in self.words) / len(self.words) if self.words else 0.0


def _process_page(source: _Source, conf: ScanSettings, cache: Path) -> _PageResult:
    n = source.index + 1
    result = _PageResult(source.index)
    clock = _Clock()
    image, dpi = _scaled(source, conf, result.notes)
    gray = image.convert("L") if image.mode != "L" else image
    ink = image.getchannel("R") if image.mode == "RGB" else gray  # red stamps fade away
    binary = _binarized(ink, dpi)
    clock.lap("prepare")
    codes = read_qr(gray)
    result.qr = [c.payload for c in codes]
    ours = [c.quarter_turns for c in codes if c.payload.startswith(QR_PREFIX)]
    _blank_out(binary, [c.bbox for c in codes], dpi)
    clock.lap("qr")
    candidates = _orientations(ink, dpi, ours[0] if ours else None)
    clock.lap("geometry")
    best: _Reading | None = None
    for turns, skew in candidates:
        straight = _straighten(binary, turns, skew)
        clock.lap("straighten")
        words = ocr_image(straight, lang=conf.lang, psm=conf.psm, dpi=round(dpi),
                          timeout=conf.timeout, page=source.index)
        clock.lap("ocr")
        reading = _Reading(turns, skew, words)
        if best is None or reading.score > best.score:
            best = reading
        if best.mean >= RETRY_BELOW:
            break
    if best is None:  # a blank page: nothing to read
        best = _Reading(0, 0.0, [])
    result.notes += _reading_notes(n, best)
    shown = _straighten(gray, best.turns, best.skew)
    result.image_path = _save_png(shown, cache / f"page-{n:03d}.png", dpi)
    clock.lap("save")
    result.blocks = _blocks(best.words, source.index, 72.0 / dpi)
    log.debug("page %d: %s; turns %d, skew %.2f, %d words, mean confidence %.2f", n, clock,
              best.turns, best.skew, len(best.words), best.mean)
    return result


class _Clock:
    """Milliseconds per stage of one page, for the debug log (and the timings we publish)."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.laps[stage] = self.laps.get(stage, 0.0) + (now - self._last) * 1000
        self._last = now

    def __str__(self) -> str:
        return ", ".join(f"{k} {v:.0f} ms" for k, v in self.laps.items())


def _scaled(source: _Source, conf: ScanSettings, notes: list[str]) -> tuple[Image.Image, float]:
    """The page at about the working dpi, and its resolution after scaling."""
    n = source.index + 1
    image, dpi = source.image, source.dpi
    if dpi is None:
        long_side, short_side = max(image.size), min(image.size)
        dpi = min(long_side / A4_INCHES[1], short_side / A4_INCHES[0])
        notes.append(f"Trang {n}: ảnh không ghi độ phân giải, đã ước lượng khoảng "
                     f"{round(dpi)} dpi theo khổ giấy A4.")
    if dpi < LOW_DPI:
        notes.append(f"Trang {n}: độ phân giải thấp (khoảng {round(dpi)} dpi), chữ có thể bị "
                     "đọc sai; nên quét lại ở 300 dpi.")
    if dpi > conf.dpi * 1.2:  # finer than needed: OCR time grows with the pixels
        factor = conf.dpi / dpi
    elif dpi < LOW_DPI:  # blown up to where Tesseract copes; a thumbnail stays unreadable
        factor = min(UPSCALE_DPI / dpi, 3.0)
    else:  # 150-360 dpi: a 200 dpi scan read as well as when blown up to 300, twice as fast
        return image, dpi
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    method = Image.Resampling.BOX if factor < 1 else Image.Resampling.BICUBIC
    return image.resize(size, method), dpi * factor


def _paper(image: Image.Image, dpi: float) -> Image.Image:
    """The paper's brightness around each pixel: the brightest of the 3x3 neighbouring cells of
    about 1.3 mm, so that strokes, lines and stamps do not count, but shadows do."""
    cell = max(2, round(dpi / 19))
    return image.reduce(cell).filter(ImageFilter.MaxFilter(3)).resize(
        image.size, Image.Resampling.BILINEAR)


def _binarized(image: Image.Image, dpi: float) -> Image.Image:
    """Black ink on white: what is clearly darker than the paper around it.

    Tesseract's LSTM reads the grey line images, and on a phone photo (uneven light, sensor
    noise) it misread lone numbers in table cells ("27" as "SẮP:") that it read right once the
    page was thresholded against its own local paper; clean scans read the same either way.
    """
    pixels = np.asarray(image, dtype=np.int16)
    paper = np.asarray(_paper(image, dpi), dtype=np.int16)
    return Image.fromarray(np.where(pixels < paper * INK_SHARE, 0, 255).astype(np.uint8), "L")


def _blank_out(image: Image.Image, boxes: Sequence[tuple[int, int, int, int]], dpi: float
               ) -> None:
    """Paint the QR codes white (with their quiet zone): read as text they are only noise."""
    draw = ImageDraw.Draw(image)
    margin = round(dpi / 12)
    for left, top, right, bottom in boxes:
        draw.rectangle((left - margin, top - margin, right + margin, bottom + margin), fill=255)


_TURNS = {1: Image.Transpose.ROTATE_90, 2: Image.Transpose.ROTATE_180,
          3: Image.Transpose.ROTATE_270}


def _straighten(image: Image.Image, turns: int, skew: float) -> Image.Image:
    """Quarter turns (counter-clockwise), then the skew taken out.

    Nearest-neighbour rotation: ten times faster than bicubic on a 300 dpi page and Tesseract
    read the result just as well (mean confidence 94.9 against 94.1 on our test page).
    """
    if turns % 4:
        image = image.transpose(_TURNS[turns % 4])
    if abs(skew) >= MIN_SKEW:
        image = image.rotate(skew, resample=Image.Resampling.NEAREST, fillcolor=255)
    return image


def _save_png(image: Image.Image, target: Path, dpi: float) -> str:
    """Write atomically: another process reading the same file may write the same page."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{id(image)}.tmp")
    image.save(tmp, format="PNG", compress_level=1, dpi=(round(dpi), round(dpi)))
    os.replace(tmp, target)
    return str(target)


def _reading_notes(n: int, reading: _Reading) -> list[str]:
    """What was done to the page and how well it read, for the clerk."""
    notes = []
    turned = {1: "xoay trái 90°", 2: "xoay 180°", 3: "xoay phải 90°"}.get(reading.turns % 4)
    if turned:
        notes.append(f"Trang {n}: ảnh bị ngược hoặc nằm ngang, đã {turned} cho đúng chiều.")
    if abs(reading.skew) >= MIN_SKEW:
        degrees = f"{abs(reading.skew):.1f}".replace(".", ",")
        notes.append(f"Trang {n}: trang bị nghiêng {degrees}°, đã chỉnh thẳng.")
    if not reading.words:
        notes.append(f"Trang {n}: không nhận dạng được chữ nào (trang trắng hoặc ảnh quá mờ).")
    elif reading.mean < POOR_BELOW:
        notes.append(f"Trang {n}: chữ nhận dạng kém (độ tin cậy trung bình "
                     f"{round(reading.mean * 100)}%), cần đối chiếu với bản gốc.")
    return notes


# -- page geometry from the pixels ---------------------------------------------------------

GEOMETRY_DPI = 100  # the ink map's resolution: enough for lines, cheap to project
MAX_SKEW = 8.0  # degrees searched either way; more than this is a photo needing a retake
MIN_SKEW = 0.15  # below this, rotating the page only blurs it
MIN_INK = 1500  # ink pixels (at GEOMETRY_DPI) below which the page is left as it is (~3 lines)
BLANK_INK = 40  # ink pixels below which the page is blank (a short word has ~100)
AXIS_SURE = 1.15  # profile sharpness ratio that settles the text lines' axis
RULE_INCHES = 0.25  # straight ink longer than this is a ruling line, not a letter


def _orientations(ink_image: Image.Image, dpi: float, qr_turns: int | None
                  ) -> list[tuple[int, float]]:
    """(quarter turns, skew) to try, best guess first, then the one to retry a bad reading with.

    A page with too little ink to judge gets one candidate: re-reading it would find nothing more;
    a blank one (the back of a sheet, a bare table grid) none: Tesseract would find nothing.
    """
    ink = _ink_map(ink_image, dpi)
    amount = int(ink.sum())
    if amount < BLANK_INK:
        return []
    if amount < MIN_INK:
        return [(qr_turns or 0, 0.0)]
    fits = [_fit(np.rot90(ink, k)) for k in (0, 1)]  # np.rot90 turns like PIL's ROTATE_90
    if qr_turns is not None:  # our QR code is printed upright: it settles the orientation
        skew = fits[qr_turns % 2][0]
        return [(qr_turns, skew), ((qr_turns + 2) % 4, skew)]
    ratio = fits[0][1] / max(fits[1][1], 1.0)
    axis = 0 if ratio >= 1.0 else 1

    def upright(k: int) -> tuple[int, float]:
        skew, _, profile = fits[k]
        return (k if _heavier_above(profile) else k + 2), skew

    first = upright(axis)
    if max(ratio, 1.0 / max(ratio, 1e-9)) >= AXIS_SURE:  # the lines' axis is clear: flip it
        second = ((first[0] + 2) % 4, first[1])
    else:
        second = upright(1 - axis)
    return [first, second]


def _ink_map(image: Image.Image, dpi: float) -> np.ndarray:
    """Dark-on-light ink at about GEOMETRY_DPI, ruling lines removed.

    Ink is what is clearly darker than its surroundings' paper (a coarse maximum), so a dark
    table top around a photographed page or uneven lighting does not count as ink.
    """
    factor = max(1, round(dpi / GEOMETRY_DPI))
    small = image.reduce(factor) if factor > 1 else image
    paper = _paper(small, dpi / factor)
    ink = np.asarray(small, dtype=np.int16) < np.asarray(paper, dtype=np.int16) * INK_SHARE
    rule = max(8, round(RULE_INCHES * dpi / factor))
    return ink & ~_long_runs(ink, rule, 0) & ~_long_runs(ink, rule, 1)


def _long_runs(ink: np.ndarray, length: int, axis: int) -> np.ndarray:
    """Pixels on a straight run of at least ``length`` along ``axis`` (a morphological opening
    with a line, by running sums instead of ``length`` shifted copies)."""
    a = np.moveaxis(ink, axis, -1)
    n = a.shape[-1]
    if n < length:
        return np.zeros_like(ink)
    lead = a.shape[:-1]
    sums = np.zeros(lead + (n + 1,), np.int32)
    sums[..., 1:] = np.cumsum(a, axis=-1)
    full = (sums[..., length:] - sums[..., :-length]) == length  # a run starts at s
    starts = np.zeros(lead + (n + 1,), np.int32)  # starts[k]: runs starting before k
    starts[..., 1:n - length + 2] = np.cumsum(full, axis=-1)
    starts[..., n - length + 2:] = starts[..., n - length + 1:n - length + 2]
    p = np.arange(n)
    covered = starts[..., p + 1] - starts[..., np.maximum(0, p - length + 1)] > 0
    return np.moveaxis(covered, -1, axis)


def _fit(ink: np.ndarray) -> tuple[float, float, np.ndarray]:
    """Skew (degrees, for PIL's rotate), sharpness and row profile of the sharpest direction."""
    ys, xs = np.nonzero(ink)
    if len(ys) > 200_000:  # a noisy photo: a fixed sample keeps it fast and repeatable
        pick = np.random.default_rng(0).choice(len(ys), 200_000, replace=False)
        ys, xs = ys[pick], xs[pick]
    y, x = ys.astype(np.float64), xs.astype(np.float64)

    def sharpness(deg: float) -> tuple[float, np.ndarray]:
        t = np.deg2rad(deg)
        p = y * np.cos(t) - x * np.sin(t)
        hist = np.bincount(np.rint(p - p.min()).astype(np.int64)).astype(np.float64)
        return float((hist * hist).sum()), hist

    coarse = np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, 0.5)
    best = max(coarse, key=lambda a: sharpness(a)[0])
    fine = np.arange(best - 0.5, best + 0.5 + 1e-9, 0.05)
    best = max(fine, key=lambda a: sharpness(a)[0])
    score, profile = sharpness(best)
    return round(float(best), 2), score, profile


def _heavier_above(profile: np.ndarray) -> bool:
    """Whether the text lines carry more ink above their core than below (upright text)."""
    above = below = 0.0
    rows = profile > max(1.0, 0.02 * float(profile.max(initial=0.0)))
    i, n = 0, len(profile)
    while i < n:
        if not rows[i]:
            i += 1
            continue
        j = i
        while j < n and rows[j]:
            j += 1
        line = profile[i:j]
        if j - i >= 4:
            core = np.nonzero(line >= 0.4 * line.max())[0]
            above += float(line[: core[0]].sum())
            below += float(line[core[-1] + 1:].sum())
        i = j
    return above >= below


# -- blocks -------------------------------------------------------------------------------


def _blocks(words: list[Word], page: int, to_pt: float) -> list[TextBlock]:
    """Each line (Tesseract's, split at wide gaps) followed by its words, in reading order."""
    lines: dict[tuple[int, int, int], list[tuple[str, Word]]] = {}
    for word in words:
        text = _clean(word.text)
        if text and (any(c.isalnum() for c in text) or word.confidence >= NOISE_BELOW):
            lines.setdefault(word.line_key, []).append((text, word))
    out: list[TextBlock] = []
    for members in lines.values():
        for part in _split_line(members):
            texts = _fix_slips([t for t, _ in part])
            boxes = [w.bbox for _, w in part]
            box = (min(b[0] for b in boxes), min(b[1] for b in boxes),
                   max(b[2] for b in boxes), max(b[3] for b in boxes))
            out.append(TextBlock(" ".join(texts), page=page, bbox=_pt(box, to_pt),
                                 confidence=min(w.confidence for _, w in part), kind="line"))
            out += [TextBlock(t, page=page, bbox=_pt(w.bbox, to_pt), confidence=w.confidence,
                              kind="word") for t, (_, w) in zip(texts, part, strict=True)]
    return out


def _fix_slips(texts: list[str]) -> list[str]:
    """Undo Tesseract's known misreadings of this field's own words (see :data:`SLIPS`)."""
    out = list(texts)
    for i in range(len(out) - 1):
        fix = SLIPS.get((out[i], out[i + 1]))
        after = out[i + 2] if i + 2 < len(out) else ""
        if fix and (fix[2] is None or not after or after[:1].isupper()):
            out[i], out[i + 1] = fix[0], fix[1]
    return out


def _split_line(members: list[tuple[str, Word]]) -> list[list[tuple[str, Word]]]:
    heights = sorted(w.bbox[3] - w.bbox[1] for _, w in members)
    height = max(heights[len(heights) // 2], 1)
    parts = [[members[0]]]
    for prev, cur in zip(members, members[1:], strict=False):
        if cur[1].bbox[0] - prev[1].bbox[2] > LINE_GAP * height:
            parts.append([])
        parts[-1].append(cur)
    return parts


def _clean(text: str) -> str:
    """NFC, without the table borders Tesseract reads as "|" at a word's ends or alone.

    Other slips ("Chỉ bộ", lost spaces) are left to the field matcher, which compares labels
    without diacritics and within a few letters; only :data:`SLIPS` are mended here.
    """
    return unicodedata.normalize("NFC", text).strip(BORDER_CHARS + " ")


def _pt(box: tuple[int, int, int, int], to_pt: float) -> tuple[float, float, float, float]:
    return (round(box[0] * to_pt, 2), round(box[1] * to_pt, 2), round(box[2] * to_pt, 2),
            round(box[3] * to_pt, 2))
