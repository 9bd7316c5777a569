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
4. **orientation and skew** from the pixels (``parsers.pagegeom``): the direction that makes
   the ink's projection profile sharpest gives the text lines' axis and skew; ascenders,
   capitals and Vietnamese diacritics make lines heavier above their core than below, which
   tells up from down.  That takes ~0.1 s a page where Tesseract's OSD took 1-1.5 s;
5. **OCR** of the upright, straightened page (``parsers.ocr``); a page that reads badly is read
   once more turned the other way and the better reading kept, so a wrong guess in step 3
   costs time, not the page;
6. **by position**, on a ruled form such as ours: the table's grid from its rules
   (``parsers.pagegeom.find_grid``), each row's label from its label cell; a yes/no or Đạt/Không
   đạt cell's boxes read from the pixels (``parsers.ticks``), since Tesseract reads a box as
   "LÌ" or drops it; every other value, and the date and name under the table, cut out of its
   cell to be read again;

and then, once per file:

7. **the second reading**: the values cut out, stacked, read by Tesseract once more, at
   another scale for text, digits only for counts (:func:`_read_again`); each value's words get
   the confidence their two readings agree on (:func:`_agreed`);
8. **blocks**: Tesseract's lines (split at wide gaps, like ``parsers.pdf_reader``, and at cell
   borders) and words, boxes in points (72 per inch) from the top left of the upright page; on
   a ruled page each line carries its cell (``table``/``row``/``col``), and a blank cell gets an
   empty line, so that the field matcher reads our table as it reads a Word table.  The page
   image as OCR'd is kept as a PNG, from which the field matcher cuts each field's picture.

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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageOps

from bontot.errors import ReadError
from bontot.formdata import CHOICE, INT, PASS, YESNO
from bontot.text import fold
from parsers.base import Layout, TextBlock
from parsers.detect import read_head
from parsers.fields import REVIEW_BAR
from parsers.labels import TEXT_BLOCK, LabelSpec, options_of, table_for
from parsers.ocr import DEFAULT_LANG, DEFAULT_PSM, DEFAULT_TIMEOUT, Word, ocr_image, ocr_version
from parsers.pagegeom import (
    MIN_SKEW,
    Box,
    Cell,
    Grid,
    binarized,
    cut_out,
    find_grid,
    orientations,
    straighten,
)
from parsers.qr import read_qr
from parsers.ticks import EMPTY, OPTIONS_PRINTED, TICKED, UNSURE, find_boxes, with_boxes

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
QR_PREFIX = "BT1|"  # our templates' QR codes, printed upright
NOISE_BELOW = 0.5  # a word with no letter or digit read less surely than this is a speck
SPECK_BELOW = 0.1  # and a word of one or two letters or digits read less surely than this
# Word pairs Tesseract (vie) misreads on these forms, with no other reading in Vietnamese:
# (read, read) → (fixed, fixed, "name"); "name" only mends the pair where a name follows it, the
# line ends or "cơ sở" does ("Chi bộ cơ sở"), since "chỉ bộ phận ..." ("only the department") is
# good Vietnamese.
SLIPS: dict[tuple[str, str], tuple[str, str, str | None]] = {
    ("Chỉ", "bộ"): ("Chi", "bộ", "name"),
    ("chỉ", "bộ"): ("chi", "bộ", "name"),  # "... trong chi bộ." in a commitment's text
    ("CHỈ", "BỘ"): ("CHI", "BỘ", None),
    ("Đảng", "bệ"): ("Đảng", "bộ", None),
    ("đảng", "bệ"): ("đảng", "bộ", None),
    ("ĐẢNG", "BỆ"): ("ĐẢNG", "BỘ", None),
}
MAX_RENDER_PIXELS = 36_000_000  # a PDF page is rendered no larger (A3 at 300 dpi is 17.4 M)


@dataclass(frozen=True)
class ScanSettings:
    """How scans are read; built once at the edge and passed down."""

    # Working resolution of OCR and of the page images.  Read at 200 dpi, a 300 dpi scan
    # cost a third less, but the test corpora lost tick boxes, tone marks and a form's title.
    dpi: int = 300
    # The page's OCR reads it brought down to this (see _ocr_page): a third less CPU a page
    # on a 300 dpi scan, values as right on the scan corpus (bench.scan).
    ocr_dpi: int = 200
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
        if value is None:  # the workspace's time limit (bontot.toml ocr_timeout), if set
            from parsers.base import read_options

            options = read_options()
            limit = options.ocr_timeout
            return cls(timeout=DEFAULT_TIMEOUT if limit is None else limit,
                       jobs=options.ocr_jobs)
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
    words: list[Word] = field(default_factory=list)  # in the upright page's pixels
    grid: Grid | None = None
    crops: list[_Crop] = field(default_factory=list)  # values to read a second time
    to_pt: float = 72.0 / 300
    qr: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    image_path: str = ""


# -- the readers --------------------------------------------------------------------------


def read_image(path: str | Path, settings: ScanSettings | Mapping[str, Any] | None = None
               ) -> Layout:
    """A JPG/PNG/TIFF scan or photo (a multi-page TIFF gives several pages)."""
    path = Path(path)
    conf = ScanSettings.resolve(settings)
    version = ocr_version(conf.lang)
    read_head(path)  # a missing, unreadable or empty file gets its own message
    results = _run_pages(_image_pages(path, conf), conf, _cache_dir(path, conf))
    _read_again(results, conf)
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
    version = ocr_version(conf.lang)
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
    _read_again(results, conf)
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
        blocks=tuple(b for r in results for b in _blocks(r.words, r.index, r.to_pt, r.grid)),
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
    image: Image.Image | None = None  # the straightened black-and-white page Tesseract read

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
    binary = binarized(ink, dpi)
    clock.lap("prepare")
    codes = read_qr(gray)
    result.qr = [c.payload for c in codes]
    ours = [c.quarter_turns for c in codes if c.payload.startswith(QR_PREFIX)]
    _blank_out(binary, [c.bbox for c in codes], dpi)
    clock.lap("qr")
    candidates = orientations(ink, dpi, ours[0] if ours else None)
    clock.lap("geometry")
    best: _Reading | None = None
    for turns, skew in candidates:
        straight = straighten(binary, turns, skew)
        clock.lap("straighten")
        words = _ocr_page(straight, dpi, conf, source.index)
        clock.lap("ocr")
        reading = _Reading(turns, skew, words, straight)
        if best is None or reading.score > best.score:
            best = reading
        if best.mean >= RETRY_BELOW:
            break
    if best is None:  # a blank page: nothing to read
        best = _Reading(0, 0.0, [])
    result.notes += _reading_notes(n, best)
    shown = straighten(gray, best.turns, best.skew)
    result.image_path = _save_page(shown, cache / f"page-{n:03d}.jpg", dpi)
    clock.lap("save")
    result.to_pt = 72.0 / dpi
    result.words = best.words
    if best.image is not None and best.words:
        tones = shown if ink is gray else straighten(ink, best.turns, best.skew)
        words = [w for w in best.words if not _speck(w)]
        result.words, result.crops, result.grid = _by_position(words, best.image, tones, dpi)
    clock.lap("cells")
    log.debug("page %d: %s; turns %d, skew %.2f, %d words, mean confidence %.2f", n, clock,
              best.turns, best.skew, len(best.words), best.mean)
    return result


def _ocr_page(image: Image.Image, dpi: float, conf: ScanSettings, page: int) -> list[Word]:
    """The page's words, boxes in ``image``'s pixels.  A page finer than ``conf.ocr_dpi`` is
    read brought down to it (Tesseract's time follows the pixels), the rest of the page's work
    (its grid, tick boxes, the values read again) staying at the page's own resolution."""
    k = conf.ocr_dpi / dpi if dpi > conf.ocr_dpi * 1.2 else 1.0
    if k == 1.0:
        return ocr_image(image, lang=conf.lang, psm=conf.psm, dpi=round(dpi),
                         timeout=conf.timeout, page=page)
    small = image.resize((max(1, round(image.width * k)), max(1, round(image.height * k))),
                         Image.Resampling.BOX)
    words = ocr_image(small, lang=conf.lang, psm=conf.psm, dpi=round(dpi * k),
                      timeout=conf.timeout, page=page)
    return [replace(w, bbox=(round(w.bbox[0] / k), round(w.bbox[1] / k),
                             round(w.bbox[2] / k), round(w.bbox[3] / k))) for w in words]


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


def _blank_out(image: Image.Image, boxes: Sequence[tuple[int, int, int, int]], dpi: float
               ) -> None:
    """Paint the QR codes white (with their quiet zone): read as text they are only noise."""
    draw = ImageDraw.Draw(image)
    margin = round(dpi / 12)
    for left, top, right, bottom in boxes:
        draw.rectangle((left - margin, top - margin, right + margin, bottom + margin), fill=255)


PAGE_QUALITY = 85  # JPEG quality of the page image the fields' pictures are cut from


def _save_page(image: Image.Image, target: Path, dpi: float) -> str:
    """The page as read, for the pictures of its fields a person is shown: JPEG, since only
    eyes see it (a fifth of a PNG's time to write and to read back).  Written atomically:
    another process reading the same file may write the same page."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{id(image)}.tmp")
    image.save(tmp, format="JPEG", quality=PAGE_QUALITY, dpi=(round(dpi), round(dpi)))
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


# -- our form by position: its grid, its tick boxes, each value read twice ------------------

STACK_HEIGHT = 12000  # pixels: the crops read again are stacked this high at most
AGAIN_SMALLER, AGAIN_LARGER = 0.75, 1.3  # the scale text is read again at (see _Entry)
AGAIN_BELOW_DPI = 250  # pages finer than this are read again smaller, coarser ones larger
ONE_READING = 0.9  # a value only one of the two readings saw counts for less
DISAGREE = 0.5  # the two readings differ: a person must look
_DIGITS = {"tessedit_char_whitelist": "0123456789"}
_PUNCT = " .,;:'`\u2018\u2019"  # around a number, not part of it
CellKey = tuple[int, int, int]


@dataclass
class _Crop:
    """A value read a second time on its own: where (page pixels), what the page's OCR read
    there, and after :func:`_read_again` what the other readings say, in page pixels too.

    The second reading is of the grey page (Tesseract thresholds it itself), not of the black
    and white one the page's OCR read: the same pixels read twice give the same letters and
    the same confidences, mistakes included; other pixels of the same ink make mistakes of
    their own ("Lâm" read "Lầm" in black and white, "Lâm" in grey).  A value the page's OCR
    did not see at all is also read in black and white on its own (``first``).
    """

    box: Box
    binary: Image.Image
    tones: Image.Image
    digits: bool
    dpi: float
    words: list[Word]
    again: list[Word] | None = None  # the grey crop's reading
    first: list[Word] | None = None  # the black-and-white crop's, when ``words`` is empty
    options: tuple[str, ...] = ()  # a choice written out ("Chi bộ cơ sở"): its printed options
    read: bool = True  # whether ``words`` is a reading (not specks where a number should be)


def _by_position(words: list[Word], binary: Image.Image, tones: Image.Image, dpi: float
                 ) -> tuple[list[Word], list[_Crop], Grid]:
    """The page as a ruled form: each row's label read from its label cell, the tick boxes of
    its yes/no and Đạt/Không đạt cells read from the pixels, and every other value (and the
    lines under the table: date, name) cropped to be read a second time on its own."""
    ink = np.asarray(binary) < 128
    grid = find_grid(ink, dpi)
    if not grid.cells:
        return words, [], grid
    pages = (binary, tones)
    height = _line_height(words, dpi)
    inside: dict[CellKey, list[Word]] = {}
    outside: list[Word] = []
    for w in words:
        cell = grid.cell_at(*_centre(w.bbox))
        (inside.setdefault(_key(cell), []) if cell else outside).append(w)
    row_size: dict[tuple[int, int], int] = {}
    for cell in grid.cells:
        row_size[cell.table, cell.row] = row_size.get((cell.table, cell.row), 0) + 1
    kinds: dict[tuple[int, int], LabelSpec | None] = {}
    out = list(outside)
    crops: list[_Crop] = []
    body = False  # the merged row under a free-text heading of Mẫu 01 holds its text
    for cell in grid.cells:
        here = inside.get(_key(cell), [])
        row = (cell.table, cell.row)
        if row_size[row] == 1:  # a merged row: a heading, or the free text under one
            spec = _label(here)
            if body and spec is None:
                crops += _line_crops(here, pages, cell, grid, dpi, height)
            body = spec is not None and spec.kind == TEXT_BLOCK
        elif cell.col == 0:
            kinds[row] = _label(here)
        else:
            spec = kinds.get(row)
            kind = spec.kind if spec is not None else None
            if spec is not None and spec.key and kind in (YESNO, PASS):
                boxes = find_boxes(ink, _inset(cell.box, grid.rule), _line_height(here, dpi))
                here = with_boxes(here, boxes, options_of(spec.key, kind))
            elif kind == INT:
                crops += _number_crop(here, pages, cell, grid, dpi, height)
            else:
                found = _line_crops(here, pages, cell, grid, dpi, height)
                if spec is not None and spec.key and kind == CHOICE:
                    options = options_of(spec.key, kind)
                    found = [replace(c, options=options) for c in found]
                crops += found
        out += here
    bottom = max(c.box[3] for c in grid.cells)
    below = [w for w in outside if _centre(w.bbox)[1] > bottom]
    for line in _by_line(below):
        if _label(line) is None:
            crops += _crop_of(line, pages, _widened(line, height), dpi, height, False)
    return out, crops, grid


def _key(cell: Cell) -> CellKey:
    return (cell.table, cell.row, cell.col)


def _centre(box: Box) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def _line_height(words: Sequence[Word], dpi: float) -> float:
    """The median height of the words that are letters or digits (a word's box runs from its
    accents to its descenders), or a 13-point line when there are none."""
    heights = sorted(w.bbox[3] - w.bbox[1] for w in words if any(c.isalnum() for c in w.text))
    return float(heights[len(heights) // 2]) if heights else 0.18 * dpi


def _by_line(words: Sequence[Word]) -> list[list[Word]]:
    lines: dict[tuple[int, int, int], list[Word]] = {}
    for w in words:
        lines.setdefault(w.line_key, []).append(w)
    return list(lines.values())


def _label(words: Sequence[Word]) -> LabelSpec | None:
    """The label a cell (or line) prints, with Tesseract's slips forgiven; None if none."""
    text = " ".join(_clean(w.text) for line in _by_line(words) for w in line).strip()
    if not text:
        return None
    found = table_for(None).match(unicodedata.normalize("NFC", text), fuzzy=True)
    return found.spec if found is not None else None


def _inset(box: Box, rule: int) -> Box:
    """A cell's inside, clear of its rules."""
    m = 2 * rule + 2
    return (box[0] + m, box[1] + m, box[2] - m, box[3] - m)


def _widened(words: Sequence[Word], height: float) -> Box:
    left = min(w.bbox[0] for w in words)
    top = min(w.bbox[1] for w in words)
    right = max(w.bbox[2] for w in words)
    bottom = max(w.bbox[3] for w in words)
    dx, dy = round(0.3 * height), round(0.2 * height)
    return (left - dx, top - dy, right + dx, bottom + dy)


def _clip(box: Box, within: Box) -> Box:
    return (max(box[0], within[0]), max(box[1], within[1]), min(box[2], within[2]),
            min(box[3], within[3]))


Pages = tuple[Image.Image, Image.Image]  # the straightened page: black and white, grey


def _number_crop(here: list[Word], pages: Pages, cell: Cell, grid: Grid, dpi: float,
                 height: float) -> list[_Crop]:
    """The number in a count's cell: the word the page's OCR read with digits in it, else all
    the ink of the cell (a lone "0" the page's OCR did not see, or read as "Ö").  A number in
    words ("mười hai") is the page's reading alone."""
    inner = _inset(cell.box, grid.rule)
    number = next((w for w in here if any(c.isdigit() for c in w.text)), None)
    if number is not None:
        return _crop_of([number], pages, _clip(_widened([number], height), inner), dpi, height,
                        True)
    if any(len(w.text) > 2 for w in here):
        return []
    return [replace(c, read=False) for c in _crop_of(here, pages, inner, dpi, height, True)]


def _line_crops(here: list[Word], pages: Pages, cell: Cell, grid: Grid, dpi: float,
                height: float) -> list[_Crop]:
    """Each line of a text cell on its own; a cell the page's OCR found empty, whole, when its
    ink is one line high."""
    inner = _inset(cell.box, grid.rule)
    if not here:
        return _crop_of([], pages, inner, dpi, height, False)
    return [c for line in _by_line(here)
            for c in _crop_of(line, pages, _clip(_widened(line, height), inner), dpi, height,
                              False)]


def _crop_of(words: list[Word], pages: Pages, region: Box, dpi: float, height: float,
             digits: bool) -> list[_Crop]:
    """The value in ``region``, cut out to be read again (``parsers.pagegeom.cut_out``); none
    when there is no ink, or more than a line of it where the page's OCR read nothing."""
    cut = cut_out(pages[0], pages[1], region, height, single_line=not words)
    if cut is None:
        return []
    box, clean, grey = cut
    return [_Crop(box, clean, grey, digits, dpi, list(words))]


def _read_again(results: Sequence[_PageResult], conf: ScanSettings) -> None:
    """Read every crop of the file again, then put each value's agreed words back.

    The crops are stacked one above the other, one stack per kind (numbers with digits only,
    the rest as text), and each stack is read in one Tesseract run as a block of single lines
    (psm 6).  Read alone in single-line mode (psm 7), a lone "0" or "7" came back empty or as
    "77"; side by side in one line, Tesseract's spacing, set for the whole line, ran the numbers
    together or dropped the spaces inside a name; one crop per line of a stack reads at its usual
    0.94-0.97, spaces kept, with one model load (0.2 s) per stack instead of one per value.
    """
    entries: dict[tuple[bool, int], list[_Entry]] = {}
    for r in results:
        for crop in r.crops:
            again = _Entry(crop, False)
            entries.setdefault((crop.digits, again.dpi), []).append(again)
            if not crop.words or not crop.read:  # no reading from the page: black and white too
                first = _Entry(crop, True)
                entries.setdefault((False, first.dpi), []).append(first)
    jobs: list[tuple[list[_Entry], bool]] = []
    for (digits, _), members in entries.items():
        stack: list[_Entry] = []
        for entry in members:
            if stack and sum(2 * e.image.height for e in stack) > STACK_HEIGHT:
                jobs.append((stack, digits))
                stack = []
            stack.append(entry)
        jobs.append((stack, digits))
    if jobs:
        with ThreadPoolExecutor(max_workers=min(conf.workers, len(jobs)),
                                thread_name_prefix="ocr-again") as pool:
            list(pool.map(lambda job: _read_stack(job[0], job[1], conf), jobs))
    for r in results:
        r.words = _agreed_words(r.words, r.crops)


@dataclass(frozen=True)
class _Entry:
    """One crop in a stack: its grey image, or its black-and-white one (``binary``).

    Text is read again at another scale than the page's: Tesseract's slips on Vietnamese marks
    depend on the size of the letters ("Lâm" read "Lầm" at 300 dpi in black and white and in
    grey alike, "Lâm" at 225), so a second reading at the same size can repeat the first one's
    mistake.  Numbers are read at the page's size, digits only: they slip another way.  A value
    the page's OCR missed is read in black and white at the text's scale, with the text, so that
    a file needs two stacks, not three.
    """

    crop: _Crop
    binary: bool

    @property
    def scale(self) -> float:
        if self.crop.digits and not self.binary:
            return 1.0
        return AGAIN_SMALLER if self.crop.dpi >= AGAIN_BELOW_DPI else AGAIN_LARGER

    @property
    def dpi(self) -> int:
        return round(self.crop.dpi * self.scale)

    @property
    def image(self) -> Image.Image:
        image = self.crop.binary if self.binary else self.crop.tones
        if self.scale == 1.0:
            return image
        size = (max(1, round(image.width * self.scale)), max(1, round(image.height * self.scale)))
        return image.resize(size, Image.Resampling.LANCZOS).point(lambda v: 0 if v < 128 else 255)


def _read_stack(entries: list[_Entry], digits: bool, conf: ScanSettings) -> None:
    """One stack of crops through Tesseract; each word read goes back to the crop it lies on."""
    margin = max(8, round(0.3 * max(e.crop.tones.height for e in entries)))
    images = [ImageOps.expand(e.image, border=margin, fill=255) for e in entries]
    tallest = max(i.height for i in images)
    gap = max(16, tallest // 2)
    width = max(i.width for i in images) + 2 * gap
    stack = Image.new("L", (width, sum(i.height for i in images) + gap * (len(images) + 1)), 255)
    spans: list[tuple[int, int, int]] = []  # left, top, bottom of each crop in the stack
    y = gap
    for image in images:  # a white margin round each crop: Tesseract drops a digit pressed close
        stack.paste(image, (gap, y))
        spans.append((gap + margin, y + margin, y + image.height - margin))
        y += image.height + gap
    words = ocr_image(stack, lang=conf.lang, psm=6, dpi=entries[0].dpi, timeout=conf.timeout,
                      config=_DIGITS if digits else None)
    found: list[list[Word]] = [[] for _ in entries]
    for w in words:
        middle = (w.bbox[1] + w.bbox[3]) / 2
        hit = next((i for i, (_, top, bottom) in enumerate(spans)
                    if top - margin <= middle < bottom + margin), None)
        if hit is None:
            continue
        (sx, sy, _), (ox, oy), k = spans[hit], entries[hit].crop.box[:2], entries[hit].scale
        found[hit].append(replace(w, bbox=(round((w.bbox[0] - sx) / k) + ox,
                                           round((w.bbox[1] - sy) / k) + oy,
                                           round((w.bbox[2] - sx) / k) + ox,
                                           round((w.bbox[3] - sy) / k) + oy)))
    for e, read in zip(entries, found, strict=True):
        if e.binary:
            e.crop.first = read
        else:
            e.crop.again = read


def _agreed_words(words: list[Word], crops: Sequence[_Crop]) -> list[Word]:
    """The page's words with each crop's words replaced by what its two readings agree on."""
    out = list(words)
    for n, crop in enumerate(crops):
        new = _agreed(crop, (80_000 + n, 0, 0))
        gone = {id(w) for w in crop.words}
        at = next((i for i, w in enumerate(out) if id(w) in gone), len(out))
        out = [w for w in out if id(w) not in gone]
        out[at:at] = new
    return out


def _agreed(crop: _Crop, spare: tuple[int, int, int]) -> list[Word]:
    """One value from its two readings (module docstring of ``_Crop``), word by word.

    A word both read alike is as sure as both make it (1 - (1-a)(1-b)) when each was fairly
    sure of it, else as sure as the less sure one (a letter Tesseract doubted in one reading may
    be doubtful still).  A word they read differently is the surer of the two, below any bar,
    so that a person looks; the other words keep their own (the place before a date may be
    doubtful, the date not).  Readings that do not even split into the same words: all doubtful.
    Only one reading: less sure.
    """
    first = (crop.words if crop.words and crop.read else crop.first) or []
    second = crop.again or []
    said1, said2 = _said(first, crop.digits), _said(second, crop.digits)
    key = crop.words[0].line_key if crop.words else spare  # a stack's lines are not the page's

    def keyed(ws: list[Word], conf: list[float]) -> list[Word]:
        return [replace(w, confidence=round(c, 4), block=key[0], par=key[1], line=key[2])
                for w, c in zip(ws, conf, strict=True)]

    if not (said1 and said2):
        alone = first or second
        return keyed(alone, [w.confidence * ONE_READING for w in alone])
    lost1, lost2 = _unread_ink(crop, first), _unread_ink(crop, second)
    if lost1 or lost2:  # a glyph one reading dropped (or both: then the rest reads alike)
        pick = second if lost1 and not lost2 else first
        return keyed(pick, [w.confidence * DISAGREE for w in pick])
    if crop.options and fold(said1) == fold(said2) in {fold(o) for o in crop.options}:
        return keyed(first, [OPTIONS_PRINTED] * len(first))  # marks do not tell options apart
    words1, words2 = _said(first, crop.digits, True), _said(second, crop.digits, True)
    if len(words1) != len(words2) or len(words1) != len(first) or len(words2) != len(second):
        if said1 == said2:  # alike, split differently: as sure as the less sure reading
            both = _both(min(w.confidence for w in first), min(w.confidence for w in second))
            return keyed(first, [both] * len(first))
        c1, c2 = min(w.confidence for w in first), min(w.confidence for w in second)
        pick = second if c2 > c1 else first
        return keyed(pick, [min(c1, c2) * DISAGREE] * len(pick))
    out, confs = [], []
    for a, b, ta, tb in zip(first, second, words1, words2, strict=True):
        if ta == tb:
            out.append(a)
            confs.append(_both(a.confidence, b.confidence))
        else:
            out.append(a if a.confidence >= b.confidence else replace(b, bbox=a.bbox))
            confs.append(min(a.confidence, b.confidence) * DISAGREE)
    return keyed(out, confs)


# Two readings alike add up only when each alone would pass the review bar: both are the same
# engine's, and share its blind spots.  A tone mark over a circumflex is misread alike at both
# scales ("Lâm" read "Lầm" at 0.91 and 0.80, "Cổ" read "Cố" at 0.87 and 0.76), so agreement of
# two doubtful readings is no evidence that the doubtful letter is right.
BOTH_SURE = REVIEW_BAR
UNREAD_INK = 0.06  # ink outside every word read, in squares of the crop's height: a lost glyph


def _unread_ink(crop: _Crop, words: Sequence[Word]) -> bool:
    """Whether the crop holds ink that no word of a reading covers: an "&" or a digit that
    Tesseract dropped would leave the rest of the line reading alike, and wrong, both times."""
    ink = np.asarray(crop.binary) < 128
    per_col = ink.sum(axis=0)
    covered = np.zeros(len(per_col), dtype=bool)
    pad = max(2, crop.binary.height // 10)
    for w in words:
        x0, x1 = w.bbox[0] - crop.box[0] - pad, w.bbox[2] - crop.box[0] + pad
        covered[max(0, x0) : max(0, x1)] = True
    left = np.nonzero((per_col > 0) & ~covered)[0]
    if len(left) == 0:
        return False
    runs = np.split(left, np.nonzero(np.diff(left) > 1)[0] + 1)
    least = UNREAD_INK * crop.binary.height ** 2
    return any(int(per_col[r].sum()) >= least for r in runs)


def _both(a: float, b: float) -> float:
    if min(a, b) < BOTH_SURE:
        return min(a, b)
    return 1 - (1 - a) * (1 - b)


def _said(words: Sequence[Word], digits: bool, each: bool = False) -> Any:
    """A reading as compared: cleaned, Tesseract's known slips mended, spacing normalised (the
    words one by one with ``each``)."""
    texts = _fix_slips([_clean(w.text) for w in words])
    if each:
        return [t.strip(_PUNCT) if digits else t for t in texts]
    text = " ".join(t for t in texts if t)
    return text.strip(_PUNCT) if digits else " ".join(text.split())


# -- blocks -------------------------------------------------------------------------------


def _blocks(words: list[Word], page: int, to_pt: float, grid: Grid | None = None
            ) -> list[TextBlock]:
    """Each line (Tesseract's, split at wide gaps and at cell borders) followed by its words.

    On a ruled page each line is placed in its cell (``table``/``row``/``col``, tables numbered
    per file as ``100 * page + n``), and a cell holding nothing gets an empty line of its own,
    as a blank Word cell does, so that a blank value is read as blank.
    """
    lines: dict[tuple[tuple[int, int, int], Cell | None], list[tuple[str, Word]]] = {}
    for word in words:
        text = _clean(word.text)
        if text and (grid is not None or not _speck(word)):  # specks went before the cells
            cell = grid.cell_at(*_centre(word.bbox)) if grid else None
            lines.setdefault((word.line_key, cell), []).append((text, word))
    out: list[TextBlock] = []
    filled: set[Cell] = set()
    for (_, cell), members in lines.items():
        place = _place(cell, page)
        if cell is not None:
            filled.add(cell)
        for part in _split_line(members):
            texts = _fix_slips([t for t, _ in part])
            confs = _settled(texts, [w.confidence for _, w in part])
            boxes = [w.bbox for _, w in part]
            box = (min(b[0] for b in boxes), min(b[1] for b in boxes),
                   max(b[2] for b in boxes), max(b[3] for b in boxes))
            out.append(TextBlock(" ".join(texts), page=page, bbox=_pt(box, to_pt),
                                 confidence=min(confs), kind="line", **place))
            out += [TextBlock(t, page=page, bbox=_pt(w.bbox, to_pt), confidence=c, kind="word",
                              **place) for t, c, (_, w) in zip(texts, confs, part, strict=True)]
    for cell in grid.cells if grid else ():
        if cell not in filled:
            out.append(TextBlock("", page=page, bbox=_pt(cell.box, to_pt), kind="line",
                                 **_place(cell, page)))
    return out


def _speck(word: Word) -> bool:
    """A mark Tesseract read as a "word" of no letter or digit, and doubted: dust, a dot of the
    stamp.  Judged on the page's own reading: a word doubted because its two readings differ
    ("&:" and "&") is no speck, and the doubt must stay on its line."""
    text = _clean(word.text)
    glyph = text in (TICKED, EMPTY, UNSURE)
    if not glyph and len(text) <= 2 and word.confidence < SPECK_BELOW:
        return True  # "c5" at 0 %: a speck Tesseract made letters of (a cell's ink is re-read)
    return not text or not (glyph or any(c.isalnum() for c in text)
                            or word.confidence >= NOISE_BELOW)


def _place(cell: Cell | None, page: int) -> dict[str, Any]:
    if cell is None:
        return {}
    return {"table": 100 * page + cell.table, "row": cell.row, "col": cell.col,
            "col_span": cell.span}


def _fix_slips(texts: list[str]) -> list[str]:
    """Undo Tesseract's known misreadings of this field's own words (see :data:`SLIPS`)."""
    out = list(texts)
    for i in range(len(out) - 1):
        second = out[i + 1].rstrip(_CLAUSE_END)
        fix = SLIPS.get((out[i], second))
        after = out[i + 2] if i + 2 < len(out) else ""
        ends = second != out[i + 1]  # "chỉ bộ." ends a clause: no "bộ phận" follows
        if fix and (fix[2] is None or ends or not after or after[:1].isupper() or after == "cơ"):
            out[i], out[i + 1] = fix[0], fix[1] + out[i + 1][len(second):]
    return out


_CLAUSE_END = ".,;:!?)\u201d\"'"


_SETTLED = {(fixed[0], fixed[1]): i for read, fixed in SLIPS.items()
            for i in range(2) if read[i] != fixed[i]}  # the pair as mended → the word in doubt


def _settled(texts: list[str], confs: list[float]) -> list[float]:
    """Confidences with the doubt :data:`SLIPS` settle taken out: Tesseract hesitates between
    "Chi" and "Chỉ" before "bộ", but once the pair reads (or is mended to) "Chi bộ" the word
    is as sure as the other of the pair."""
    out = list(confs)
    for i in range(len(texts) - 1):
        doubt = _SETTLED.get((texts[i], texts[i + 1].rstrip(_CLAUSE_END)))
        if doubt is not None:
            out[i + doubt] = max(out[i + doubt], out[i + 1 - doubt])
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
