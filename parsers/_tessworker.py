"""A Tesseract kept loaded: the program ``parsers.ocr`` starts once per OCR thread.

Run as a script (``python parsers/_tessworker.py TESSDATA``), not as a module of the package,
so that starting it imports tesserocr and nothing else.  It reads requests on stdin and answers
each on stdout, until stdin closes (its parent stopped or died):

    request:  4-byte big-endian length, JSON header {lang, psm, dpi, vars, width, height, bpp},
              4-byte length, the raw pixels (rows top to bottom, ``bpp`` bytes a pixel)
    answer:   4-byte length, JSON {"tsv": ...} or {"error": ...}

The first answer, before any request, is {"version": ...}.  One request at a time: the parent
keeps one worker per thread.  A page that runs too long or crashes Tesseract costs only this
process: the parent kills it or sees it gone, and starts another for the next page.
"""

from __future__ import annotations

import json
import struct
import sys
from typing import Any, BinaryIO

_LEN = struct.Struct(">I")


def _read(stream: BinaryIO, size: int) -> bytes | None:
    data = stream.read(size)
    return data if data is not None and len(data) == size else None


def _frame(stream: BinaryIO) -> bytes | None:
    head = _read(stream, _LEN.size)
    return None if head is None else _read(stream, _LEN.unpack(head)[0])


def _answer(stream: BinaryIO, message: dict[str, Any]) -> None:
    data = json.dumps(message, ensure_ascii=False).encode("utf-8")
    stream.write(_LEN.pack(len(data)) + data)
    stream.flush()


def main(tessdata: str) -> int:
    import tesserocr  # the engine; imported here so that a missing one is an answer, not a crash

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    _answer(stdout, {"version": tesserocr.tesseract_version().split()[1]})
    apis: dict[str, Any] = {}
    defaults: dict[str, str] = {}  # every variable a request set, at its value before that
    while True:
        header, pixels = _frame(stdin), _frame(stdin)
        if header is None or pixels is None:
            return 0
        request = json.loads(header)
        try:
            api = apis.get(request["lang"])
            if api is None:
                api = apis[request["lang"]] = tesserocr.PyTessBaseAPI(
                    path=tessdata, lang=request["lang"])
            wanted = {**defaults, **request["vars"]}  # what an earlier request set, undone
            for name, value in wanted.items():
                if name not in defaults:
                    defaults[name] = api.GetVariableAsString(name) or ""
                if not api.SetVariable(name, value):
                    raise ValueError(f"unknown Tesseract variable {name}")
            api.SetPageSegMode(request["psm"])
            width, height, bpp = request["width"], request["height"], request["bpp"]
            api.SetImageBytes(pixels, width, height, bpp, bpp * width)
            api.SetSourceResolution(request["dpi"])
            api.Recognize()
            _answer(stdout, {"tsv": api.GetTSVText(0)})
        except Exception as exc:  # noqa: BLE001 - every failure is the parent's to report
            _answer(stdout, {"error": f"{type(exc).__name__}: {exc}"})


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
