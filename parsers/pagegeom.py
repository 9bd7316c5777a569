"""Where the page stands: its ink, its orientation and skew, and the form's ruled grid on it.

Moved out of ``parsers.scan_reader`` (the thresholding, quarter turns and skew search there are
unchanged), and grown with what reading our own form by position needs: the ruling lines of its
label | value table, found from the pixels of the straightened page, and the cells they make.

Orientation and skew: the direction that makes the ink's projection profile sharpest gives the
text lines' axis and skew; ascenders, capitals and Vietnamese diacritics make lines heavier above
their core than below, which tells up from down.  That takes ~0.1 s a page where Tesseract's OSD
took 1-1.5 s and was less sure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageChops, ImageFilter

INK_SHARE = 0.65  # darker than this share of the surrounding paper is ink


def paper(image: Image.Image, dpi: float) -> Image.Image:
    """The paper's brightness around each pixel: the brightest of the 3x3 neighbouring cells of
    about 1.3 mm, so that strokes, lines and stamps do not count, but shadows do."""
    cell = max(2, round(dpi / 19))
    return image.reduce(cell).filter(ImageFilter.MaxFilter(3)).resize(
        image.size, Image.Resampling.BILINEAR)


def binarized(image: Image.Image, dpi: float) -> Image.Image:
    """Black ink on white: what is clearly darker than the paper around it.

    Tesseract's LSTM reads the grey line images, and on a phone photo (uneven light, sensor
    noise) it misread lone numbers in table cells ("27" as "SẮP:") that it read right once the
    page was thresholded against its own local paper; clean scans read the same either way.
    """
    # pixel < paper * INK_SHARE, in PIL's C loops rather than on int16 copies of the page (half
    # the time): for whole pixel values that is pixel < ceil(paper * INK_SHARE), a lookup table
    threshold = paper(image, dpi).point(_INK_BELOW)
    short = ImageChops.subtract(threshold, image)  # above 0 exactly where the pixel is ink
    return short.point(_BLACK_IF_ABOVE_0)


_INK_BELOW = [math.ceil(g * INK_SHARE) for g in range(256)]
_BLACK_IF_ABOVE_0 = [255] + [0] * 255


_TURNS = {1: Image.Transpose.ROTATE_90, 2: Image.Transpose.ROTATE_180,
          3: Image.Transpose.ROTATE_270}


def straighten(image: Image.Image, turns: int, skew: float) -> Image.Image:
    """Quarter turns (counter-clockwise), then the skew taken out.

    Nearest-neighbour rotation: ten times faster than bicubic on a 300 dpi page and Tesseract
    read the result just as well (mean confidence 94.9 against 94.1 on our test page).
    """
    if turns % 4:
        image = image.transpose(_TURNS[turns % 4])
    if abs(skew) >= MIN_SKEW:
        image = image.rotate(skew, resample=Image.Resampling.NEAREST, fillcolor=255)
    return image


# -- page geometry from the pixels ---------------------------------------------------------

GEOMETRY_DPI = 100  # the ink map's resolution: enough for lines, cheap to project
MAX_SKEW = 8.0  # degrees searched either way; more than this is a photo needing a retake
MIN_SKEW = 0.15  # below this, rotating the page only blurs it
MIN_INK = 1500  # ink pixels (at GEOMETRY_DPI) below which the page is left as it is (~3 lines)
BLANK_INK = 40  # ink pixels below which the page is blank (a short word has ~100)
AXIS_SURE = 1.15  # profile sharpness ratio that settles the text lines' axis
RULE_INCHES = 0.25  # straight ink longer than this is a ruling line, not a letter


def orientations(ink_image: Image.Image, dpi: float, qr_turns: int | None
                  ) -> list[tuple[int, float]]:
    """(quarter turns, skew) to try, best guess first, then the one to retry a bad reading with.

    A page with too little ink to judge gets one candidate: re-reading it would find nothing more;
    a blank one (the back of a sheet, a bare table grid) none: Tesseract would find nothing.
    """
    ink = ink_map(ink_image, dpi)
    amount = int(ink.sum())
    if amount < BLANK_INK:
        return []
    if amount < MIN_INK:
        return [(qr_turns or 0, 0.0)]
    if qr_turns is not None:  # our QR code is printed upright: it settles the orientation
        skew = fit(np.rot90(ink, qr_turns % 2))[0]
        return [(qr_turns, skew), ((qr_turns + 2) % 4, skew)]
    fits = [fit(np.rot90(ink, k)) for k in (0, 1)]  # np.rot90 turns like PIL's ROTATE_90
    ratio = fits[0][1] / max(fits[1][1], 1.0)
    axis = 0 if ratio >= 1.0 else 1

    def upright(k: int) -> tuple[int, float]:
        skew, _, profile = fits[k]
        return (k if heavier_above(profile) else k + 2), skew

    first = upright(axis)
    if max(ratio, 1.0 / max(ratio, 1e-9)) >= AXIS_SURE:  # the lines' axis is clear: flip it
        second = ((first[0] + 2) % 4, first[1])
    else:
        second = upright(1 - axis)
    return [first, second]


def ink_map(image: Image.Image, dpi: float) -> np.ndarray:
    """Dark-on-light ink at about GEOMETRY_DPI, ruling lines removed.

    Ink is what is clearly darker than its surroundings' paper (a coarse maximum), so a dark
    table top around a photographed page or uneven lighting does not count as ink.
    """
    factor = max(1, round(dpi / GEOMETRY_DPI))
    small = image.reduce(factor) if factor > 1 else image
    ground = paper(small, dpi / factor)
    ink = np.asarray(small, dtype=np.int16) < np.asarray(ground, dtype=np.int16) * INK_SHARE
    rule = max(8, round(RULE_INCHES * dpi / factor))
    return ink & ~long_runs(ink, rule, 0) & ~long_runs(ink, rule, 1)


def long_runs(ink: np.ndarray, length: int, axis: int) -> np.ndarray:
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


def fit(ink: np.ndarray) -> tuple[float, float, np.ndarray]:
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


def heavier_above(profile: np.ndarray) -> bool:
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



# -- the ruled grid of a form ----------------------------------------------------------------

GRID_DPI = 100  # ruling lines are found on the ink pooled to about this resolution
H_RULE_INCHES = 1.2  # a horizontal rule is straight ink at least this long (no word is)
V_RULE_INCHES = 0.25  # a vertical rule at least this tall (a row's height; no letter is)
RULE_SLACK = 1  # pooled pixels a rule may wander either way (a photo's perspective)

Box = tuple[int, int, int, int]  # left, top, right, bottom in the page image's pixels


@dataclass(frozen=True)
class Cell:
    """One cell of a ruled table: its place in the grid and its box between the rules' centres."""

    table: int
    row: int
    col: int
    span: int
    box: Box


@dataclass(frozen=True)
class Grid:
    """The ruled tables of a page, their cells row by row, and the rules' thickness in pixels."""

    cells: tuple[Cell, ...]
    rule: int

    def cell_at(self, x: float, y: float) -> Cell | None:
        for cell in self.cells:
            left, top, right, bottom = cell.box
            if left <= x < right and top <= y < bottom:
                return cell
        return None

    def tables(self) -> list[Box]:
        """The outer box of each table."""
        out: dict[int, Box] = {}
        for c in self.cells:
            b = out.get(c.table, c.box)
            out[c.table] = (min(b[0], c.box[0]), min(b[1], c.box[1]), max(b[2], c.box[2]),
                            max(b[3], c.box[3]))
        return [out[k] for k in sorted(out)]


def find_grid(ink: np.ndarray, dpi: float) -> Grid:
    """The ruled tables on a straightened page (``ink``: True where ink, full resolution).

    Rules are straight ink far longer than any letter, found on the ink OR-pooled to about
    GRID_DPI and thickened by RULE_SLACK across their length, so that a rule drawn a little
    aslant (a photo's perspective) still runs unbroken.  Horizontal rules bound the rows; the
    vertical rules crossing a whole row split it into cells (a row crossed only by the outer two
    is one merged cell).  Borderless tables (the header, the signature block) have no rules and
    give no cells.
    """
    factor = max(1, round(dpi / GRID_DPI))
    small = _pooled(ink, factor)
    scale = dpi / factor
    across = long_runs(_thicker(small, 0), max(8, round(H_RULE_INCHES * scale)), 1)
    down = long_runs(_thicker(small, 1), max(6, round(V_RULE_INCHES * scale)), 0)
    rows = _rules(across & small, 1)  # (y, x0, x1) in pooled pixels
    cols = _column_rules(down & small)  # (x, [(y0, y1), ...])
    rule = max(1, round(dpi / 150))
    cells = [Cell(c.table, c.row, c.col, c.span, tuple(v * factor + factor // 2 for v in c.box))
             for c in _cells(rows, cols, RULE_SLACK + 2)]
    return Grid(tuple(cells), rule)  # type: ignore[arg-type]


def _pooled(ink: np.ndarray, factor: int) -> np.ndarray:
    if factor == 1:
        return ink
    """Ink OR-pooled in blocks of ``factor`` squared (a partial block at the edge dropped), by
    ORing the blocks' rows and columns as whole slices: twenty times faster than ``any`` over
    the block axes of the reshaped page."""
    h, w = ink.shape[0] // factor, ink.shape[1] // factor
    blocks = ink[: h * factor, : w * factor].reshape(h, factor, w, factor)
    rows = blocks[:, 0].copy()
    for i in range(1, factor):
        rows |= blocks[:, i]
    out = rows[:, :, 0].copy()
    for j in range(1, factor):
        out |= rows[:, :, j]
    return out


def _thicker(ink: np.ndarray, axis: int) -> np.ndarray:
    """Ink grown by RULE_SLACK pixels along ``axis`` (across the rules being looked for)."""
    out = ink.copy()
    for shift in range(1, RULE_SLACK + 1):
        out |= np.roll(ink, shift, axis) | np.roll(ink, -shift, axis)
    return out


def _rules(mask: np.ndarray, axis: int) -> list[tuple[int, int, int]]:
    """Horizontal rules (axis 1) as (y, x0, x1): neighbouring rows of long runs, merged."""
    rows = np.nonzero(mask.any(axis=axis))[0]
    out: list[tuple[int, int, int]] = []
    for group in _groups(rows, 1):
        xs = np.nonzero(mask[group[0] : group[-1] + 1].any(axis=0))[0]
        out.append((int(round(float(np.mean(group)))), int(xs[0]), int(xs[-1])))
    return out


def _column_rules(mask: np.ndarray) -> list[tuple[int, list[tuple[int, int]]]]:
    """Vertical rules as (x, the stretches of y they run along)."""
    out = []
    for group in _groups(np.nonzero(mask.any(axis=0))[0], 1):
        ys = np.nonzero(mask[:, group[0] : group[-1] + 1].any(axis=1))[0]
        spans = [(int(g[0]), int(g[-1])) for g in _groups(ys, 3)]
        out.append((int(round(float(np.mean(group)))), spans))
    return out


def _groups(values: np.ndarray, gap: int) -> list[np.ndarray]:
    """Sorted integers cut where two neighbours are more than ``gap`` apart."""
    if len(values) == 0:
        return []
    cuts = np.nonzero(np.diff(values) > gap)[0] + 1
    return np.split(values, cuts)


def _cells(rows: list[tuple[int, int, int]], cols: list[tuple[int, list[tuple[int, int]]]],
           tol: int) -> list[Cell]:
    """Cells between consecutive horizontal rules, split by the vertical rules crossing them."""
    cells: list[Cell] = []
    table, row, edges = -1, 0, []
    last_bottom = None
    for (ya, a0, a1), (yb, b0, b1) in zip(rows, rows[1:], strict=False):
        left, right = max(a0, b0), min(a1, b1)
        if right - left < 4 * tol:
            continue
        # a photo's rules slant and bend: their ends need not meet exactly
        reach, side = max(tol, (yb - ya) // 4), max(tol, (right - left) // 60)
        crossing = sorted(x for x, spans in cols if left - side <= x <= right + side and any(
            y0 <= ya + reach and y1 >= yb - reach for y0, y1 in spans))
        if len(crossing) < 2:
            continue
        if last_bottom != ya or not edges or abs(crossing[0] - edges[0]) > 2 * side or \
                abs(crossing[-1] - edges[-1]) > 2 * side:
            table, row, edges = table + 1, 0, []
        for x in crossing:  # every column edge the table has had so far, left to right
            if all(abs(x - e) > 2 * side for e in edges):
                edges.append(x)
        edges.sort()
        for x0, x1 in zip(crossing, crossing[1:], strict=False):
            col = min(range(len(edges)), key=lambda i: abs(edges[i] - x0))
            end = min(range(len(edges)), key=lambda i: abs(edges[i] - x1))
            cells.append(Cell(table, row, col, max(1, end - col), (x0, ya, x1, yb)))
        row += 1
        last_bottom = yb
    return cells


# -- a value cut out of its cell ----------------------------------------------------------------


def cut_out(binary: Image.Image, tones: Image.Image, region: Box, height: float,
            single_line: bool = False) -> tuple[Box, Image.Image, Image.Image] | None:
    """The text in ``region`` cut out tight to be read on its own: its box on the page, in
    black and white (as the page was read) and in grey cut at half-way (read again).

    What a table leaves in a cell is taken out first: its rules, whole or bent, stubs of them and
    specks of noise, then any ink off the cell's line of text.  None when no text is left, or,
    with ``single_line``, when more than a line of it is.
    """
    left, top, right, bottom = region
    if right - left < 4 or bottom - top < 4:
        return None
    ink = np.asarray(binary.crop(region)) < 128
    tall = max(round(1.3 * height), min(round(2.5 * height), round(0.85 * ink.shape[0])))
    rules = long_runs(ink, max(12, tall), 0) | _level_rules(ink, max(12, round(4 * height)))
    ink = _without_slivers(ink & ~rules, height)
    band = _text_band(ink, height)
    if band is None:
        return None
    ink[: band[0]] = False
    ink[band[1] + 1 :] = False
    cols = np.nonzero(ink.any(axis=0))[0]
    if len(cols) == 0 or (single_line and band[1] - band[0] > 1.6 * height):
        return None
    pad = max(4, round(0.15 * height))
    tight = (max(0, int(cols[0]) - pad), max(0, band[0] - pad),
             min(ink.shape[1], int(cols[-1]) + 1 + pad), min(ink.shape[0], band[1] + 1 + pad))
    clean = Image.fromarray(np.where(ink, 0, 255).astype(np.uint8), "L").crop(tight)
    grey = Image.fromarray(_stretched(np.asarray(tones.crop(region)), rules), "L").crop(tight)
    return (left + tight[0], top + tight[1], left + tight[2], top + tight[3]), clean, grey


def _level_rules(ink: np.ndarray, length: int) -> np.ndarray:
    """Ink on a level rule, even one a photo bent so that it steps a pixel up or down."""
    thick = ink | np.roll(ink, 1, 0) | np.roll(ink, -1, 0)
    runs = long_runs(thick, length, 1)
    return ink & (runs | np.roll(runs, 1, 0) | np.roll(runs, -1, 0))


def _text_band(ink: np.ndarray, height: float) -> tuple[int, int] | None:
    """The rows of the crop's line of text: the inkiest run of rows with ink (gaps under a
    third of a line allowed), so that what is left of a rule a photo bent, along the crop's top
    or bottom, and specks of noise, are left out; None when there is too little ink."""
    per_row = ink.sum(axis=1)
    rows = np.nonzero(per_row)[0]
    if len(rows) == 0:
        return None
    cuts = np.nonzero(np.diff(rows) > max(2, height / 3))[0] + 1
    groups = np.split(rows, cuts)
    best = max(groups, key=lambda g: int(per_row[g].sum()))
    if per_row[best].sum() < 0.02 * height * height:
        return None
    return int(best[0]), int(best[-1])


def _without_slivers(ink: np.ndarray, height: float) -> np.ndarray:
    """The crop's ink without thin upright slivers or specks standing apart from the text (a
    stub of a rule a photo bent into the cell, a dot of noise): runs of columns with ink,
    apart from the others by a quarter of a line, narrower than any digit or nearly inkless."""
    per_col = ink.sum(axis=0)
    cols = np.nonzero(per_col)[0]
    if len(cols) == 0:
        return ink
    groups = np.split(cols, np.nonzero(np.diff(cols) > max(2, height / 4))[0] + 1)
    out = ink.copy()
    for g in groups:
        thin = g[-1] - g[0] + 1 <= max(2, 0.12 * height)
        faint = per_col[g].sum() < 0.04 * height * height
        if thin or faint:
            out[:, g[0] : g[-1] + 1] = False
    return out


def _stretched(tones: np.ndarray, rules: np.ndarray) -> np.ndarray:
    """A grey crop cut at half-way between its paper (the brighter tenth) and its darkest ink,
    the rules painted out.  Thresholded here, not left grey: the paper's grain, stacked, threw
    Tesseract's line finding off ("3" and "23" not read at all in a stack of grey crops)."""
    paper = float(np.percentile(tones, 90))
    dark = float(tones.min())
    out = np.where(tones < (paper + dark) / 2, 0, 255).astype(np.uint8)
    out[rules] = 255
    return out
