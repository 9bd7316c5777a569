"""Tick boxes on a scanned page, read from the pixels: ticked, not ticked, or unclear.

Tesseract reads a printed box as letters ("LÌ", "L]", "LÏKhông") or drops it, so what a unit
ticked cannot come from the text.  The boxes are found as small squares: two upright strokes of
about a letter's height, a letter's height apart, joined along the top and the bottom (a ☒'s
cross and a hand's tick are slanted and do not count as sides; the table's rules are far longer
and are left out).  What is inside a box is then measured: a cross or a tick covers a good part
of it, an empty box holds at most a speck of scanner noise, and anything between is unclear.

A reading built from the boxes writes them as the glyphs the field matcher knows (☒ ticked, ☐
not ticked, ⍰ unclear: :data:`parsers.labels.GLYPHS_UNSURE`) in front of the option printed after
each, so "☒ Có ☐ Không" reads Có, and both ticked, neither ticked or one unclear stays
unreadable, never guessed (``parsers.labels.read_choice``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from bontot.text import fold
from parsers.labels import GLYPHS_UNSURE, label_distance
from parsers.ocr import Word
from parsers.pagegeom import Box, long_runs

TICKED = "\u2612"  # ☒
EMPTY = "\u2610"  # ☐
UNSURE = GLYPHS_UNSURE  # ⍰
TICKED_ABOVE = 0.08  # share of a box's inside covered by ink when ticked (a ☒'s cross: ~0.25)
EMPTY_BELOW = 0.025  # at most this much ink inside an empty box (noise, a stray edge pixel)
SIDE = (0.55, 1.3)  # a box's side, as a share of the height of the text line it stands on
SQUARE = 0.3  # sides may differ by this share of the box's size
EDGE_COVER = 0.8  # share of the top and bottom edges that must be ink
OPTIONS_PRINTED = 0.99  # option words read exactly as the form prints them beside the boxes
LOST_OPTION = 0.97  # an option Tesseract lost or misread, known from the others and the order


@dataclass(frozen=True)
class TickBox:
    """One box: where it is (pixels of the page image) and how much of its inside is ink."""

    box: Box
    ink: float

    @property
    def state(self) -> str:
        if self.ink >= TICKED_ABOVE:
            return "ticked"
        return "empty" if self.ink <= EMPTY_BELOW else "unclear"

    @property
    def glyph(self) -> str:
        return {"ticked": TICKED, "empty": EMPTY}.get(self.state, UNSURE)

    @property
    def confidence(self) -> float:
        """How clearly the box is ticked or empty: 0 at a threshold, near 1 far from both."""
        if self.state == "unclear":
            return 0.0
        if self.state == "ticked":
            margin = (self.ink - TICKED_ABOVE) / TICKED_ABOVE
        else:
            margin = (EMPTY_BELOW - self.ink) / EMPTY_BELOW
        return round(min(0.995, 0.9 + 0.1 * min(1.0, margin)), 4)


@dataclass(frozen=True)
class _Stroke:
    """A straight stroke: across (x0, x1 for an upright one) and along (y0, y1)."""

    a0: int
    a1: int
    b0: int
    b1: int

    @property
    def mid(self) -> float:
        return (self.a0 + self.a1) / 2

    @property
    def length(self) -> int:
        return self.b1 - self.b0 + 1


def find_boxes(ink: np.ndarray, region: Box, height: float) -> list[TickBox]:
    """The tick boxes in ``region`` of a page's ink map (True = ink), left to right.

    ``height`` is the height in pixels of the text line the boxes stand on: it bounds their size,
    so a letter's stroke and a table rule are never taken for a box's side.
    """
    left, top, right, bottom = (max(0, v) for v in region)
    sub = ink[top:bottom, left:right]
    if sub.size == 0:
        return []
    smallest, largest = max(6, SIDE[0] * height), max(8, SIDE[1] * height)
    shortest, longest = max(4, round(0.7 * smallest)), round(1.4 * largest) + 2
    upright = long_runs(sub, shortest, 0) & ~long_runs(sub, longest, 0)
    level = long_runs(sub, shortest, 1) & ~long_runs(sub, longest, 1)
    found: list[Box] = []
    for a, b in _pairs(_strokes(upright), smallest, largest):
        box = _closed(level, a, b)
        if box is not None and not any(_overlap(box, other) for other in found):
            found.append(box)
    out = []
    for x0, y0, x1, y1 in sorted(found):
        share = _inside(sub, (x0, y0, x1, y1))
        out.append(TickBox((x0 + left, y0 + top, x1 + left, y1 + top), share))
    return out


def _strokes(mask: np.ndarray) -> list[_Stroke]:
    """Upright strokes: runs of the mask down neighbouring columns, joined where they overlap."""
    strokes: list[_Stroke] = []
    open_: list[_Stroke] = []
    for x in np.nonzero(mask.any(axis=0))[0]:
        col = mask[:, x]
        edges = np.diff(np.concatenate(([0], col.view(np.int8), [0])))
        runs = list(zip(np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0] - 1, strict=True))
        still: list[_Stroke] = []
        for y0, y1 in runs:
            joined = next((s for s in open_ if s.a1 == x - 1 and s.b0 <= y1 and y0 <= s.b1),
                          None)
            if joined is not None:
                open_.remove(joined)
                still.append(_Stroke(joined.a0, int(x), min(joined.b0, int(y0)),
                                     max(joined.b1, int(y1))))
            else:
                still.append(_Stroke(int(x), int(x), int(y0), int(y1)))
        strokes += [s for s in open_ if s.a1 < x - 1]
        open_ = [s for s in open_ if s.a1 >= x - 1] + still
    return strokes + open_


def _pairs(strokes: list[_Stroke], smallest: float, largest: float
           ) -> list[tuple[_Stroke, _Stroke]]:
    """Left and right sides of a square: about as far apart as they are tall, level."""
    out = []
    ordered = sorted(strokes, key=lambda s: s.mid)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            side = b.mid - a.mid
            if side > largest:
                break
            if side < smallest:
                continue
            slack = SQUARE * side
            if abs(a.length - side) <= slack and abs(b.length - side) <= slack and \
                    abs(a.b0 - b.b0) <= slack and abs(a.b1 - b.b1) <= slack:
                out.append((a, b))
    return out


def _closed(level: np.ndarray, a: _Stroke, b: _Stroke) -> Box | None:
    """The square two sides make, if straight strokes join them at the top and the bottom (an
    "o" or a "0" has upright sides too, but curves between them)."""
    x0, x1 = a.a0, b.a1
    y0, y1 = min(a.b0, b.b0), max(a.b1, b.b1)
    reach = max(2, round(0.1 * (x1 - x0)))
    for y in (y0, y1):
        band = level[max(0, y - reach) : y + reach + 1, x0 : x1 + 1]
        if band.size == 0 or band.any(axis=0).mean() < EDGE_COVER:
            return None
    return (x0, y0, x1 + 1, y1 + 1)


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _inside(ink: np.ndarray, box: Box) -> float:
    """The share of ink inside a box, its sides and a margin for their thickness left out."""
    x0, y0, x1, y1 = box
    inset = max(2, round(0.18 * (x1 - x0)))
    inner = ink[y0 + inset : y1 - inset, x0 + inset : x1 - inset]
    return float(inner.mean()) if inner.size else 1.0


def with_boxes(words: Sequence[Word], boxes: Sequence[TickBox], options: Sequence[str]
               ) -> list[Word]:
    """The words of one value cell, its boxes written in as glyphs, left to right.

    Words lying over a box are the box read as letters and go; a word that starts on a box
    ("LÌKhông") keeps the option after it.  When there is a box for each printed option and the
    words between them read exactly as those options, the options are certain (the form prints
    them) and the reading is as sure as the boxes are; when the boxes and the options do not pair
    up (a box not found, a stray square), every box is written unclear, so the field is
    unreadable rather than guessed.  One option lost or misread by a letter ("bạt" for "Đạt") by
    Tesseract while the others read as printed is written back from the form's order of options
    (:func:`_one_lost`).
    """
    if not words and not boxes:
        return []
    key = _line_of(words)
    kept: list[Word] = []
    for word in words:
        trimmed = _off_boxes(word, boxes, options)
        if trimmed is not None:
            kept.append(trimmed)
    paired = len(boxes) == len(options)
    glyphs = [Word(b.glyph if paired else UNSURE, b.box, b.confidence if paired else 0.0,
                   *key, 0) for b in boxes]
    out = sorted(kept + glyphs, key=lambda w: w.bbox[0])
    if paired and not _reads_as(out, options):
        out = _one_lost(out, options, boxes)
    out = [replace(w, block=key[0], par=key[1], line=key[2], num=i) for i, w in enumerate(out)]
    if paired and _reads_as(out, options):
        out = [w if w.text in _GLYPH_SET else replace(w, confidence=max(w.confidence,
                                                                         OPTIONS_PRINTED))
               for w in out]
    return out


def _one_lost(words: list[Word], options: Sequence[str], boxes: Sequence[TickBox]) -> list[Word]:
    """The cell with the one option Tesseract lost written back beside its box, or misread by a
    letter written over its words, when every other box has its own printed option after it
    ("☒ · ☐ Không" or "☒ Ca ☐ Không": the form prints "Có" there).
    Otherwise the words as they are (and the field unreadable if they do not say enough)."""
    slots: list[list[Word]] = []
    for w in words:
        if w.text in _GLYPH_SET:
            slots.append([])
        elif slots:
            slots[-1].append(w)
        else:
            return words
    if len(slots) != len(options):
        return words
    said = [" ".join(fold(w.text) for w in slot) for slot in slots]
    printed = [fold(o) for o in options]
    off = [i for i, (s, o) in enumerate(zip(said, printed, strict=True)) if s != o]
    if len(off) != 1 or not _slip_of(said[off[0]], off[0], printed):
        return words
    i = off[0]
    x0, top, x1, bottom = boxes[i].box
    if slots[i]:  # misread: the printed option over the words Tesseract made of it
        top = min(w.bbox[1] for w in slots[i])
        bottom = max(w.bbox[3] for w in slots[i])
        place = (min(w.bbox[0] for w in slots[i]), top, max(w.bbox[2] for w in slots[i]), bottom)
    else:  # lost: the printed option beside its box
        place = (x1 + (x1 - x0) // 3, top, x1 + 2 * (x1 - x0), bottom)
    lost = Word(options[i], place, LOST_OPTION, *words[0].line_key, 0)
    return sorted([w for w in words if not any(w is v for v in slots[i])] + [lost],
                  key=lambda w: w.bbox[0])


def _slip_of(said: str, i: int, printed: Sequence[str]) -> bool:
    """Whether ``said`` is option ``i`` lost ("") or misread by one letter ("bat" for "dat"),
    and no nearer to another option: the form prints the options in this order."""
    if not said:
        return True
    near = label_distance(said, printed[i], 1) <= 1
    return near and all(label_distance(said, o, 2) > 2 for k, o in enumerate(printed) if k != i)


_GLYPH_SET = {TICKED, EMPTY, UNSURE}


def _line_of(words: Sequence[Word]) -> tuple[int, int, int]:
    """One Tesseract line for the whole cell (its options may have come as two)."""
    return words[0].line_key if words else (90_000, 0, 0)


def _off_boxes(word: Word, boxes: Sequence[TickBox], options: Sequence[str]) -> Word | None:
    """The word without what of it lies on a box; None when it is only the box read as text.

    A box read into the start of a word ("LÌKhông", "L]có") leaves the option after it; into
    its end ("CóLÌ"), the option before it; a word with no option left is the box alone.
    """
    x0, top, x1, bottom = word.bbox
    starts = {fold(o).split()[0] for o in options}
    for b in boxes:
        bx0, btop, bx1, bbottom = b.box
        if bx1 <= x0 or bx0 >= x1 or bbottom <= top or btop >= bottom:
            continue
        side = bx1 - bx0
        if x0 >= bx0 - side // 2 and x1 <= bx1 + side // 3:
            return None  # the box and nothing else
        if x0 >= bx0 - side // 2:  # the box, then the option
            for i in range(1, len(word.text)):
                if any(fold(word.text[i:]).startswith(s) for s in starts):
                    return replace(word, text=word.text[i:], bbox=(bx1 + 1, top, x1, bottom))
            return None
        for j in range(len(word.text) - 1, 0, -1):  # the option, then the box
            if fold(word.text[:j]) in starts:
                return replace(word, text=word.text[:j], bbox=(x0, top, bx0 - 1, bottom))
        return None
    return word


def _reads_as(words: Sequence[Word], options: Sequence[str]) -> bool:
    """Whether the cell reads "<box> option <box> option ..." with the printed options."""
    parts: list[list[str]] = []
    for w in words:
        if w.text in _GLYPH_SET:
            parts.append([])
        elif parts:
            parts[-1].append(fold(w.text))
        else:
            return False
    return [" ".join(p) for p in parts] == [fold(o) for o in options]
