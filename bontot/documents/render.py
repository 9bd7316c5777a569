"""Fill a document template: read, clean and compile it once, then render it many times.

docxtpl opens the .docx, serialises its body, cleans the Jinja tags out of Word's runs and
compiles the result on every ``render``: about 30 ms before any value is filled in.  A
:class:`PreparedTemplate` does that work once.  A document without pictures is then rendered by
filling the compiled body and writing the template's other package parts back unchanged (a few
ms); a document with pictures (the reports' charts) goes through docxtpl itself, which knows how
to add an image part, with the cleaning and compiling still cached.

Every value is escaped (``autoescape``), so ``Chi bộ A & B <1>`` prints as written and
``{{ 7*7 }}`` typed into a name prints as typed; a variable the template asks for and the context
lacks raises (``StrictUndefined``) instead of printing nothing.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import Environment, StrictUndefined
from lxml import etree

from bontot.docbuild import docx_bytes
from bontot.errors import BontotError

TEMPLATES_DIR = Path(__file__).resolve().parent.parent.parent / "templates"
_DOCUMENT_PART = "word/document.xml"
_BODY = re.compile(r"<w:body>.*</w:body>", re.DOTALL)
_TAG = re.compile(r"\{[{%]")


def environment() -> Environment:
    """The one Jinja setup of every document: escape values, refuse undefined variables."""
    return _CachingEnvironment()


class _CachingEnvironment(Environment):
    """Compiles each template text once; docxtpl asks for the same text on every render."""

    def __init__(self) -> None:
        super().__init__(autoescape=True, undefined=StrictUndefined)
        self._compiled: dict[str, Any] = {}

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Any:
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        found = self._compiled.get(source)
        if found is None:
            if len(self._compiled) > 64:
                self._compiled.clear()
            found = self._compiled[source] = super().from_string(source)
        return found


_ENV = environment()


class _CleanedTemplate(DocxTemplate):
    """docxtpl with its tag cleaning done once per template text."""

    _patched: dict[str, str] = {}  # class-wide on purpose: shared by every render

    def patch_xml(self, src_xml: str) -> str:
        out = self._patched.get(src_xml)
        if out is None:
            if len(self._patched) > 64:
                self._patched.clear()
            out = self._patched[src_xml] = super().patch_xml(src_xml)
        return out


@dataclass(frozen=True)
class Picture:
    """A PNG to place where the template says ``{{ name }}``, this wide."""

    png: bytes
    width_mm: float


class PreparedTemplate:
    """One template file, parsed, cleaned and compiled once."""

    def __init__(self, blob: bytes, name: str = "<mẫu>") -> None:
        self.blob = blob
        self.name = name
        self.sha256 = hashlib.sha256(blob).hexdigest()
        tpl = _CleanedTemplate(io.BytesIO(blob))
        tpl.init_docx()
        self._listing = tpl  # for resolve_listing (a pure string method of docxtpl)
        body = tpl.patch_xml(tpl.get_xml())
        self._body = _ENV.from_string(re.sub(r"<w:p([ >])", r"\n<w:p\1", body))
        with zipfile.ZipFile(io.BytesIO(blob)) as z:
            self._parts = [(info.filename, z.read(info.filename)) for info in z.infolist()]
        # Every part but the body is the same in each document: deflated once, here.
        self._packed = {name: _Entry.pack(name, data) for name, data in self._parts}
        parts = dict(self._parts)
        xml = parts[_DOCUMENT_PART].decode("utf-8")
        found = _BODY.search(xml)
        if found is None:
            raise BontotError(f"Tệp mẫu {name} không có phần thân văn bản (w:body).")
        self._head, self._tail = xml[: found.start()], xml[found.end() :]
        # Jinja in a header or footer would need docxtpl's own path; the templates have none.
        self._plain_parts = not any(
            _TAG.search(blob_.decode("utf-8", "replace"))
            for part, blob_ in self._parts
            if part.startswith(("word/header", "word/footer"))
        )

    @classmethod
    def load(cls, path: Path) -> PreparedTemplate:
        try:
            blob = Path(path).read_bytes()
        except FileNotFoundError:
            raise BontotError(
                f"Thiếu tệp mẫu {path}; hãy dựng lại mẫu bằng lệnh:"
                " python -m templates.build_documents"
            ) from None
        key = hashlib.sha256(blob).hexdigest()
        found = _CACHE.get(key)
        if found is None:
            if len(_CACHE) > 32:
                _CACHE.clear()
            found = _CACHE[key] = cls(blob, Path(path).name)
        return found

    def variables(self) -> set[str]:
        """The variables the template uses (docxtpl's own check, for the contract tests)."""
        return DocxTemplate(io.BytesIO(self.blob)).get_undeclared_template_variables(_ENV)

    def render(
        self, context: Mapping[str, Any], pictures: Mapping[str, Picture] | None = None
    ) -> bytes:
        """The filled document as .docx bytes; the same context gives the same bytes."""
        if pictures or not self._plain_parts:
            return self._render_docxtpl(context, pictures or {})
        return self._render_fast(context)

    def _render_fast(self, context: Mapping[str, Any]) -> bytes:
        body = self._body.render(context)
        body = re.sub(r"\n<w:p([ >])", r"<w:p\1", body)
        body = (
            body.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        )
        xml = (self._head + self._listing.resolve_listing(body) + self._tail).encode("utf-8")
        try:
            etree.fromstring(xml)  # a broken document must fail here, not in Word
        except etree.XMLSyntaxError as exc:
            raise BontotError(f"Mẫu {self.name} cho ra văn bản hỏng: {exc}") from None
        return _zip(
            [
                _Entry.pack(name, xml) if name == _DOCUMENT_PART else self._packed[name]
                for name, _ in self._parts
            ]
        )

    def _render_docxtpl(self, context: Mapping[str, Any], pictures: Mapping[str, Picture]) -> bytes:
        tpl = _CleanedTemplate(io.BytesIO(self.blob))
        values = dict(context)
        for name, pic in pictures.items():
            values[name] = InlineImage(tpl, io.BytesIO(pic.png), width=Mm(pic.width_mm))
        tpl.render(values, jinja_env=_ENV, autoescape=True)
        return docx_bytes(tpl)


_CACHE: dict[str, PreparedTemplate] = {}


# --- a .docx package from parts deflated beforehand ---------------------------------------------
# zipfile can only write what it compresses itself; deflating the template's unchanged parts
# (styles, settings, theme …) again for each document is three quarters of a render.  This is
# the plain ZIP layout (local headers, central directory, end record; no ZIP64, no data
# descriptors), with the fixed date 1980-01-01 zipfile and ``normalize_package`` also write.

_DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01
_DOS_TIME = 0


@dataclass(frozen=True)
class _Entry:
    name: bytes
    crc: int
    size: int
    data: bytes  # raw deflate

    @classmethod
    def pack(cls, name: str, data: bytes) -> _Entry:
        deflate = zlib.compressobj(6, zlib.DEFLATED, -15)  # zipfile's default level
        packed = deflate.compress(data) + deflate.flush()
        return cls(name.encode("utf-8"), zlib.crc32(data), len(data), packed)


def _zip(entries: list[_Entry]) -> bytes:
    out = bytearray()
    central = bytearray()
    for e in entries:
        flags = 0x800 if not e.name.isascii() else 0  # UTF-8 names
        fields = (20, flags, 8, _DOS_TIME, _DOS_DATE, e.crc, len(e.data), e.size, len(e.name))
        central += struct.pack("<4s2H", b"PK\x01\x02", 20, fields[0])
        central += struct.pack("<4H3I2H", *fields[1:], 0)
        central += struct.pack("<3H2I", 0, 0, 0, 0, len(out)) + e.name
        out += struct.pack("<4sH", b"PK\x03\x04", fields[0])
        out += struct.pack("<4H3I2H", *fields[1:], 0) + e.name + e.data
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, len(entries), len(entries),
                      len(central), len(out), 0)  # fmt: skip
    return bytes(out + central + end)


def template(name: str) -> PreparedTemplate:
    """A template of ``templates/`` by file name, prepared once per process."""
    return PreparedTemplate.load(TEMPLATES_DIR / name)
