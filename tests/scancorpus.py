"""Scanned returned forms with their truth: ``tests.corpus``'s forms printed, filled, scanned.

Each form is our own Mẫu 01/02 (``tests.corpus`` kind ``docx-ours``: pre-filled for a unit of the
demo roster, then filled in Word as a unit does — values typed, one box of each pair ticked ☒),
exported to PDF by LibreOffice (one batch), rendered at 300 dpi as the printed sheet, then
degraded the way it comes back:

* ``300dpi`` — a flatbed scan: a little blur, paper tone, sensor noise, JPEG in a PDF;
* ``200dpi`` — the same at 200 dpi, stronger JPEG;
* ``skewed`` — fed crooked: each page turned 0.5-3° either way;
* ``rotated`` — pages fed sideways or upside down (90°, 180°, 270°, chosen per page);
* ``stamped`` — signed in blue and stamped in red over the signature block, in colour;
* ``photo`` — signed and stamped, then photographed with a phone on a table: slight perspective,
  uneven light, a darker table around the sheet, noise, JPEG, no resolution.  A phone gives one
  JPEG per page; the pages of one form are kept together here as a multi-page TIFF (JPEG
  compressed, no resolution) so that a two-page form stays one file.  A single JPEG page is in
  the golden pairs.

``make_scans(outdir, n, seed, variants)`` writes ``n`` forms per variant under
``outdir/<variant>/`` with ``<file>.json`` beside each (what ``parse_file`` should say, exactly
as ``tests.corpus`` writes it: ``expected["fields"]``, ``unreadable``, ``needs_review``), and
returns one :class:`ScanCase` each; ``tests.corpus.score`` compares a reading with it.  A form's
values and its degradations depend only on (seed, index, variant).  ``make_stack`` puts several
forms in one PDF, as a clerk scans a pile in one go.

``python -m tests.scancorpus --golden tests/golden/scans`` rewrites the golden pairs.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from bontot import office
from tests.corpus import Case, build_case

VARIANTS = ("300dpi", "200dpi", "skewed", "rotated", "stamped", "photo")
PRINT_DPI = 300
GOLDEN_DIR = Path(__file__).resolve().parent / "golden" / "scans"
GOLDEN_LIMIT = 300_000  # bytes: a golden image larger than this is not committed
STAMP_RED = (205, 35, 45)
INK_BLUE = (25, 45, 165)
Box = tuple[float, float, float, float]  # left, top, right, bottom in the page's pixels


@dataclass(frozen=True)
class ScanCase:
    """One scanned file and what a perfect reader says about it."""

    path: Path
    variant: str
    expected: dict[str, Any]
    pages: int

    @property
    def case(self) -> Case:
        """As ``tests.corpus`` scores it."""
        return Case(self.path, "docx-ours", self.expected)

    @property
    def valid(self) -> bool:
        return not self.expected["needs_review"]


@dataclass(frozen=True)
class Printed:
    """A filled form as exported to PDF, and its truth; :meth:`sheets` prints it."""

    stem: str
    expected: dict[str, Any]
    pdf: Path
    secretary: str

    def sheets(self) -> Sheets:
        """Its pages at PRINT_DPI and where the signature block is (rendered on each call: a
        corpus of a hundred forms would not fit in memory at once)."""
        return _render(self.pdf, self.secretary)


@dataclass(frozen=True)
class Sheets:
    pages: list[Image.Image]
    signer: Box | None  # "BÍ THƯ" on the last page
    name: Box | None  # the secretary's name under it


# --- printing: tests.corpus forms through LibreOffice -------------------------------------------


def print_forms(workdir: Path, indices: Sequence[int], seed: int, soffice: str = "soffice"
                ) -> list[Printed]:
    """The ``docx-ours`` forms of ``tests.corpus`` at these indices, exported to PDF in one
    LibreOffice batch and rendered at PRINT_DPI (the sheets the unit printed and filled)."""
    workdir.mkdir(parents=True, exist_ok=True)
    made: list[tuple[Path, dict[str, Any], dict[str, Any]]] = []
    for i in indices:
        blob, truth, layout = build_case("docx-ours", i, seed)
        docx = workdir / f"form-{seed}-{i:04d}-{truth.code[:2]}.docx"
        docx.write_bytes(blob)
        made.append((docx, truth.expected(layout), {"name": truth.values["secretary_name"]}))
    with tempfile.TemporaryDirectory(prefix="scans-") as tmp:
        pdfs = office.convert([d for d, _, _ in made], "pdf", Path(tmp), soffice=soffice,
                              timeout=1800)
        out = []
        for docx, expected, extra in made:
            pdf = docx.with_suffix(".pdf")
            shutil.move(pdfs[docx], pdf)
            out.append(Printed(docx.stem, expected, pdf, extra["name"]))
        return out


def _render(pdf: Path, name: str) -> Sheets:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        pages = [doc[i].render(scale=PRINT_DPI / 72).to_pil().convert("RGB")
                 for i in range(len(doc))]
        last = doc[len(doc) - 1]
        height = last.get_size()[1]
        text = last.get_textpage()
        signer, who = _found(text, "BÍ THƯ", height), _found(text, name, height)
    finally:
        doc.close()
    return Sheets(pages, signer, who)


def _found(textpage: Any, text: str, height: float) -> Box | None:
    """Where ``text`` is printed on a PDF page, in PRINT_DPI pixels from the top left."""
    hit = textpage.search(text).get_next()
    if not hit:
        return None
    start, count = hit
    boxes = [textpage.get_charbox(i) for i in range(start, start + count)]
    s = PRINT_DPI / 72
    return (min(b[0] for b in boxes) * s, (height - max(b[3] for b in boxes)) * s,
            max(b[2] for b in boxes) * s, (height - min(b[1] for b in boxes)) * s)


# --- what the unit and the scanner do to the sheet ------------------------------------------------


def signed(page: Image.Image, signer: Box | None, name: Box | None, rng: random.Random
           ) -> Image.Image:
    """The last page signed in blue ink between the title and the name, and stamped in red over
    the left of the signature, the title and the name (as a Party cell's seal sits)."""
    if signer is None or name is None:
        return page
    page = page.copy()
    draw = ImageDraw.Draw(page)
    top, bottom = signer[3] + 25, name[1] - 10
    left, right = name[0] - 40, name[2] + 60
    loops, amp = rng.randint(3, 5), (bottom - top) * rng.uniform(0.25, 0.4)
    points = []
    for k in range(240):  # a cursive run of loops drifting right, then a flourish
        t = k / 239
        phase = 2 * np.pi * loops * t
        x = left + (right - left) * t + amp * 0.6 * np.cos(phase)
        y = (top + bottom) / 2 - amp * np.sin(phase) * (1 - 0.5 * t) + amp * 0.3 * t
        points.append((x, y))
    draw.line(points, fill=INK_BLUE, width=rng.choice([3, 4, 5]), joint="curve")
    draw.line([(left + 30, bottom - 20), (right - 80, top + 30)], fill=INK_BLUE, width=3)
    centre = (left + rng.uniform(40, 120), (signer[1] + name[3]) / 2 + rng.uniform(-30, 30))
    return _stamp(page, centre, rng)


def _stamp(page: Image.Image, centre: tuple[float, float], rng: random.Random) -> Image.Image:
    """A round red seal (two rings, a star, lettering round the rim), multiplied onto the page."""
    radius = rng.uniform(190, 230)
    mask = Image.new("L", page.size, 0)
    draw = ImageDraw.Draw(mask)
    cx, cy = centre
    for r, w in ((radius, 14), (radius * 0.68, 6)):
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=255, width=w)
    star = [(cx + radius * 0.3 * (1 if k % 2 == 0 else 0.4) * np.cos(np.pi / 2 + k * np.pi / 5),
             cy - radius * 0.3 * (1 if k % 2 == 0 else 0.4) * np.sin(np.pi / 2 + k * np.pi / 5))
            for k in range(10)]
    draw.polygon(star, fill=255)
    for k in range(26):  # lettering: short strokes round the rim
        a = 2 * np.pi * k / 26
        r0, r1 = radius * 0.75, radius * 0.92
        draw.line((cx + r0 * np.cos(a), cy + r0 * np.sin(a), cx + r1 * np.cos(a),
                   cy + r1 * np.sin(a)), fill=255, width=7)
    strength = np.asarray(mask, dtype=np.float32)[..., None] / 255 * rng.uniform(0.7, 0.9)
    colour = np.array(STAMP_RED, dtype=np.float32) / 255
    pixels = np.asarray(page, dtype=np.float32)
    out = pixels * (1 - strength * (1 - colour))
    return Image.fromarray(out.clip(0, 255).astype(np.uint8), "RGB")


def scanned(page: Image.Image, rng: random.Random, dpi: int = PRINT_DPI,
            colour: bool = False) -> Image.Image:
    """A flatbed scan: resampled to ``dpi``, a little blur, paper tone and sensor noise."""
    if dpi != PRINT_DPI:
        size = (round(page.width * dpi / PRINT_DPI), round(page.height * dpi / PRINT_DPI))
        page = page.resize(size, Image.Resampling.LANCZOS)
    page = page.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.7) * dpi / PRINT_DPI))
    pixels = np.asarray(page if colour else page.convert("L"), dtype=np.float32)
    tone = rng.uniform(0.93, 0.99)
    out = (pixels * tone + _noise(rng, pixels.shape, rng.uniform(3, 7))).clip(0, 255)
    out = out.astype(np.uint8)
    return Image.fromarray(out, "RGB" if colour else "L")


def _noise(rng: random.Random, shape: tuple[int, ...], sigma: float) -> np.ndarray:
    """Sensor noise, seeded from the case's own generator."""
    gen = np.random.default_rng(rng.randrange(1 << 30))
    return gen.standard_normal(shape, dtype=np.float32) * np.float32(sigma)


def skewed(page: Image.Image, rng: random.Random) -> Image.Image:
    angle = rng.uniform(0.5, 3.0) * rng.choice([-1, 1])
    return page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=(255, 255, 255))


def photographed(page: Image.Image, rng: random.Random) -> Image.Image:
    """A phone photo of the sheet on a table: slight perspective, uneven light, noise, blur."""
    w, h = page.size
    margin = (round(w * rng.uniform(0.03, 0.07)), round(h * rng.uniform(0.03, 0.06)))
    canvas = (w + 2 * margin[0], h + 2 * margin[1])
    jitter = [(rng.uniform(-0.012, 0.012) * w, rng.uniform(-0.012, 0.012) * h) for _ in range(4)]
    corners = [(margin[0] + dx, margin[1] + dy) for dx, dy in (jitter[0],)]
    corners += [(margin[0] + w + jitter[1][0], margin[1] + jitter[1][1]),
                (margin[0] + w + jitter[2][0], margin[1] + h + jitter[2][1]),
                (margin[0] + jitter[3][0], margin[1] + h + jitter[3][1])]
    coeffs = _perspective(corners, [(0, 0), (w, 0), (w, h), (0, h)])
    table = tuple(rng.randint(60, 110) for _ in range(3))
    sheet = page.transform(canvas, Image.Transform.PERSPECTIVE, coeffs,
                           Image.Resampling.BICUBIC, fillcolor=(1, 1, 1))
    inside = page.convert("L").point(lambda _: 255).transform(
        canvas, Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BILINEAR, fillcolor=0)
    photo = Image.composite(sheet, Image.new("RGB", canvas, table), inside)
    pixels = np.asarray(photo, dtype=np.float32)
    ys, xs = np.mgrid[0 : canvas[1], 0 : canvas[0]].astype(np.float32)
    gx, gy = rng.uniform(-0.3, 0.3), rng.uniform(-0.25, 0.25)
    light = 1 - 0.5 * (abs(gx) + abs(gy)) + gx * xs / canvas[0] + gy * ys / canvas[1]
    light = light.clip(0.55, 1.05)[..., None]
    noise = _noise(rng, pixels.shape, rng.uniform(4, 8))
    out = Image.fromarray((pixels * light + noise).clip(0, 255).astype(np.uint8), "RGB")
    out = out.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.0)))
    scale = rng.uniform(0.8, 0.95)  # a phone's frame, not the scanner's 300 dpi
    return out.resize((round(canvas[0] * scale), round(canvas[1] * scale)),
                      Image.Resampling.LANCZOS)


def _perspective(src: Sequence[tuple[float, float]], dst: Sequence[tuple[float, float]]
                 ) -> tuple[float, ...]:
    """PIL's coefficients that map each output point in ``src`` to the input point in ``dst``."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(src, dst, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs += [u, v]
    solved = np.linalg.solve(np.array(rows, dtype=np.float64), np.array(rhs, dtype=np.float64))
    return tuple(float(c) for c in solved)


_TURNS = (Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_180, Image.Transpose.ROTATE_270)


def degraded(printed: Sheets, variant: str, rng: random.Random) -> tuple[list[Image.Image], int]:
    """The pages of one variant and the resolution they are saved at (0: none)."""
    pages = list(printed.pages)
    if variant in ("stamped", "photo"):
        pages[-1] = signed(pages[-1], printed.signer, printed.name, rng)
    if variant == "300dpi":
        return [scanned(p, rng) for p in pages], PRINT_DPI
    if variant == "200dpi":
        return [scanned(p, rng, dpi=200) for p in pages], 200
    if variant == "skewed":
        return [scanned(skewed(p, rng), rng) for p in pages], PRINT_DPI
    if variant == "rotated":
        return [scanned(p, rng).transpose(rng.choice(_TURNS)) for p in pages], PRINT_DPI
    if variant == "stamped":
        return [scanned(p, rng, colour=True) for p in pages], PRINT_DPI
    if variant == "photo":
        return [photographed(p, rng) for p in pages], 0
    raise ValueError(f"unknown variant {variant!r}; known: {', '.join(VARIANTS)}")


def save_scan(pages: list[Image.Image], dpi: int, path: Path, quality: int) -> Path:
    """A scanner's PDF (one JPEG per page) or, without a resolution, a phone's JPEG pages in one
    TIFF (``path``'s suffix is set here)."""
    if dpi:
        path = path.with_suffix(".pdf")
        pages[0].save(path, "PDF", save_all=True, append_images=pages[1:], resolution=dpi,
                      quality=quality)
    else:
        path = path.with_suffix(".tif")
        pages[0].save(path, "TIFF", save_all=True, append_images=pages[1:], compression="jpeg",
                      quality=quality)
    return path


QUALITY = {"300dpi": 85, "200dpi": 70, "skewed": 85, "rotated": 85, "stamped": 80, "photo": 75}


# --- the corpus ---------------------------------------------------------------------------------


def make_scans(outdir: str | Path, n: int, seed: int = 0, variants: Sequence[str] = VARIANTS,
               *, soffice: str = "soffice", printed: list[Printed] | None = None
               ) -> list[ScanCase]:
    """``n`` forms scanned in each variant under ``outdir/<variant>/``, truth beside each.

    The same ``n`` filled forms are used for every variant (one LibreOffice batch), so that the
    variants differ only in what the scanner or the phone did.
    """
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        raise ValueError(f"unknown variants {unknown}; known: {', '.join(VARIANTS)}")
    outdir = Path(outdir)
    printed = printed if printed is not None else print_forms(outdir / "printed", range(n), seed,
                                                              soffice)
    cases: list[ScanCase] = []
    for form in printed:
        sheets = form.sheets()
        for variant in variants:
            rng = random.Random(f"{seed}:{variant}:{form.stem}")
            pages, dpi = degraded(sheets, variant, rng)
            folder = outdir / variant
            folder.mkdir(parents=True, exist_ok=True)
            path = save_scan(pages, dpi, folder / f"{variant}-{form.stem}", QUALITY[variant])
            path.with_suffix(".json").write_text(
                json.dumps(form.expected, ensure_ascii=False, indent=1, sort_keys=True),
                encoding="utf-8")
            cases.append(ScanCase(path, variant, form.expected, len(pages)))
    return cases


def make_stack(outdir: str | Path, n: int, seed: int = 0, *, soffice: str = "soffice",
               printed: list[Printed] | None = None) -> tuple[Path, list[dict[str, Any]]]:
    """``n`` forms scanned in one go into one PDF at 300 dpi; their truths in page order, each
    with ``pages`` (0-based) added."""
    outdir = Path(outdir)
    printed = printed if printed is not None else print_forms(outdir / "printed", range(n), seed,
                                                              soffice)
    pages: list[Image.Image] = []
    truths = []
    for form in printed:
        rng = random.Random(f"{seed}:stack:{form.stem}")
        first = len(pages)
        pages += [scanned(p, rng) for p in form.sheets().pages]
        truths.append({**form.expected, "pages": list(range(first, len(pages)))})
    path = save_scan(pages, PRINT_DPI, outdir / f"stack-{seed}-{n}", 85)
    return path, truths


# --- golden pairs -------------------------------------------------------------------------------

GOLDEN_SEED = 11
# (name, corpus index, variant, how the pages are stored, pages kept (None: all))
GOLDEN_CASES: tuple[tuple[str, int, str, str, tuple[int, ...] | None], ...] = (
    ("clean-300-bilevel-02", 1, "300dpi", "png1", None),  # a valid chi bộ's Mẫu 02
    ("skewed-200-gray-02-dang-bo", 4, "skewed", "jpg200", None),
    ("rotated-stamped-02-both-ticked", 7, "rotated-stamped", "jpg200", None),
    ("photo-page-1-01", 0, "photo", "jpg", (0,)),  # Mẫu 01, its first page as a phone's JPEG
)


def write_goldens(folder: Path = GOLDEN_DIR, soffice: str = "soffice") -> list[Path]:
    """The golden pairs: ``<name>-p<n>.png|jpg`` per page and ``<name>.json`` with the truth
    (forms.md values; ``null`` for a field that must stay unreadable), the resolution the pages
    were scanned at (``dpi``, 0: none) and the page files in order.  A single page is read as
    an image; several are put in one PDF by the test, as a scanner would."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="golden-scans-") as tmp:
        indices = sorted({i for _, i, _, _, _ in GOLDEN_CASES})
        printed = dict(zip(indices, print_forms(Path(tmp), indices, GOLDEN_SEED, soffice),
                           strict=True))
        for name, index, variant, store, keep in GOLDEN_CASES:
            written += _golden(folder, printed[index], name, variant, store, keep)
    return written


def _golden(folder: Path, form: Printed, name: str, variant: str, store: str,
            keep: tuple[int, ...] | None) -> list[Path]:
    """One golden pair: its page files and its truth."""
    rng = random.Random(f"{GOLDEN_SEED}:{name}")
    pages = _golden_pages(form.sheets(), variant, rng)
    if keep is not None:
        pages = [pages[k] for k in keep]
    dpi = {"png1": 300, "jpg200": 200, "jpg": 0}[store]
    files = [_golden_file(page, folder / f"{name}-p{k}", store)
             for k, page in enumerate(pages, start=1)]
    expected = form.expected
    golden = {"form_code": expected["form_code"], "fields": dict(expected["fields"]),
              "needs_review": expected["needs_review"], "defect": expected["defect"],
              "dpi": dpi, "pages": [f.name for f in files], "complete": keep is None}
    for key in expected["unreadable"]:
        golden["fields"][key] = None
    path = folder / f"{name}.json"
    path.write_text(json.dumps(golden, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                    encoding="utf-8")
    return [*files, path]


def _golden_pages(form: Sheets, variant: str, rng: random.Random) -> list[Image.Image]:
    if variant == "rotated-stamped":
        pages = list(form.pages)
        pages[-1] = signed(pages[-1], form.signer, form.name, rng)
        return [scanned(p, rng, colour=True).transpose(Image.Transpose.ROTATE_180)
                for p in pages]
    if variant == "skewed":
        return [scanned(skewed(p, rng), rng) for p in form.pages]
    return degraded(form, variant, rng)[0]


def _golden_file(page: Image.Image, stem: Path, store: str) -> Path:
    """One page small enough to commit: bilevel PNG at 300 dpi, or JPEG."""
    if store == "png1":
        path = stem.with_suffix(".png")
        page.convert("L").point(lambda v: 255 if v > 150 else 0).convert("1").save(
            path, optimize=True, dpi=(300, 300))
    elif store == "jpg200":
        path = stem.with_suffix(".jpg")
        small = page.resize((round(page.width * 2 / 3), round(page.height * 2 / 3)),
                            Image.Resampling.LANCZOS) if page.width > 2000 else page
        _jpeg_under(small, path, {"dpi": (200, 200)})
    else:
        path = stem.with_suffix(".jpg")
        long_side = max(page.size)
        small = page.resize((round(page.width * 2400 / long_side),
                             round(page.height * 2400 / long_side)), Image.Resampling.LANCZOS)
        _jpeg_under(small, path, {})
    if path.stat().st_size > GOLDEN_LIMIT:
        raise ValueError(f"{path.name} is {path.stat().st_size} B, over {GOLDEN_LIMIT}")
    return path


def _jpeg_under(image: Image.Image, path: Path, extra: dict[str, Any]) -> None:
    for quality in (80, 70, 60, 50, 40):
        image.save(path, "JPEG", quality=quality, optimize=True, **extra)
        if path.stat().st_size <= GOLDEN_LIMIT:
            return


def golden_file(json_path: Path, workdir: Path) -> Path:
    """The file a golden pair stands for: its one page image, or its pages in one PDF."""
    golden = json.loads(json_path.read_text(encoding="utf-8"))
    images = [json_path.with_name(name) for name in golden["pages"]]
    if len(images) == 1:
        return images[0]
    pages = []
    for image_path in images:
        with Image.open(image_path) as image:
            pages.append(image.convert("L") if image.mode == "1" else image.copy())
    target = workdir / f"{json_path.stem}.pdf"
    pages[0].save(target, "PDF", save_all=True, append_images=pages[1:],
                  resolution=golden["dpi"] or 300, quality=92)
    return target


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.scancorpus",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--golden", type=Path, help="rewrite the golden pairs in this folder")
    ap.add_argument("--out", type=Path, help="write a scan corpus here")
    ap.add_argument("--n", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--variants", default=",".join(VARIANTS))
    args = ap.parse_args(argv)
    if args.golden:
        if args.golden.exists():
            for old in args.golden.glob("*"):
                if old.suffix in (".png", ".jpg", ".json"):
                    old.unlink()
        for path in write_goldens(args.golden):
            print(f"{path} ({path.stat().st_size} B)")
    if args.out:
        cases = make_scans(args.out, args.n, args.seed, args.variants.split(","))
        print(f"{len(cases)} scans in {args.out}")
        shutil.rmtree(args.out / "printed", ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
