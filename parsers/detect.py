"""Which reader a returned file needs, decided by its bytes, never by its name.

Units rename files freely: a "phieu.docx" may be a PDF, a photo, an old .doc or a program.  The
kind comes from the magic bytes; a Word file is also opened far enough to refuse what we must not
read (macros, passwords) and what would blow up in memory (a zip bomb), with a message a clerk can
pass on to the unit.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path
from typing import Literal

from lxml import etree

from bontot.errors import ReadError

Kind = Literal["docx", "doc", "pdf", "image"]

HEAD_BYTES = 1024  # "%PDF-" may follow some junk, within the first KiB (as Acrobat accepts)
MAX_PART_BYTES = 64 * 1024 * 1024  # declared uncompressed size of document.xml we accept
MAX_SMALL_PART_BYTES = 4 * 1024 * 1024  # [Content_Types].xml, styles.xml ...

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"II*\x00", b"MM\x00*")
_UNSUPPORTED_MAGIC = {  # known kinds we cannot read, named for the clerk
    b"MZ": "một chương trình máy tính (.exe)",
    b"\x7fELF": "một chương trình máy tính (Linux)",
    b"\xcf\xfa\xed\xfe": "một chương trình máy tính (macOS)",
    b"#!": "một tệp lệnh (script) máy tính",
    b"Rar!": "một tệp nén RAR",
    b"7z\xbc\xaf\x27\x1c": "một tệp nén 7z",
    b"GIF8": "ảnh GIF",
    b"BM": "ảnh BMP",
}
WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
WORD_TEMPLATE = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
WORD_MACRO = ("application/vnd.ms-word.document.macroEnabled.main+xml",
              "application/vnd.ms-word.template.macroEnabledTemplate.main+xml")
_CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"

_ROOT_TAG = re.compile(rb"<[^?!]")
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_DTD_MESSAGE = ("Tệp Word {name} chứa khai báo DTD bất thường, không đọc để đảm bảo an toàn; "
                "hãy nhờ đơn vị mở bằng Word, lưu lại rồi gửi lại.")
ACCEPTED = "chỉ nhận Word (.docx, .doc), PDF hoặc ảnh chụp/ảnh quét."


def secure_parser() -> etree.XMLParser:
    """An XML parser that expands no entity, fetches nothing and keeps libxml2's size limits."""
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                           load_dtd=False, dtd_validation=False)


def parse_xml(data: bytes, name: str) -> etree._Element:
    """Parse one part of a Word file; a DTD (which Word never writes) is refused outright.

    The secure parser alone would neither expand nor fetch entities (libxml2 even stops a
    billion-laughs DTD); looking for the DTD first just gives the clerk the right message.
    """
    root_tag = _ROOT_TAG.search(data, 0, 1 << 16)
    if _DOCTYPE.search(data, 0, root_tag.start() if root_tag else 1 << 16):
        raise ReadError(_DTD_MESSAGE.format(name=name), name)
    try:
        root = etree.fromstring(data, secure_parser())
    except etree.XMLSyntaxError as exc:
        if "depth" in str(exc).lower():  # libxml2's nesting limit (256 without huge_tree)
            raise ReadError(f"Tệp Word {name} có cấu trúc lồng nhau sâu bất thường (có thể là "
                            "tệp độc hại), không đọc để đảm bảo an toàn; hãy nhờ đơn vị mở bằng "
                            "Word, lưu lại rồi gửi lại.", name) from exc
        raise ReadError(f"Tệp Word {name} bị hỏng (nội dung XML không đọc được).", name) from exc
    if root.getroottree().docinfo.doctype:  # a DTD in a text encoding the search missed
        raise ReadError(_DTD_MESSAGE.format(name=name), name)
    return root


def read_head(path: Path, size: int = HEAD_BYTES) -> bytes:
    """The first bytes of a file; a missing, unreadable or empty file is a ReadError."""
    name = path.name
    try:
        with path.open("rb") as fh:
            head = fh.read(size)
    except FileNotFoundError as exc:
        raise ReadError(f"Không tìm thấy tệp {name}.", name) from exc
    except IsADirectoryError as exc:
        raise ReadError(f"{name} là một thư mục, không phải tệp.", name) from exc
    except PermissionError as exc:
        raise ReadError(f"Không có quyền đọc tệp {name}.", name) from exc
    except OSError as exc:
        raise ReadError(f"Không đọc được tệp {name} ({exc.strerror or exc}).", name) from exc
    if not head:
        raise ReadError(f"Tệp {name} rỗng (0 byte): có thể tải về hoặc sao chép chưa xong; "
                        "hãy nhờ đơn vị gửi lại.", name)
    return head


def detect(path: str | Path) -> Kind:
    """The reader a file needs: "docx", "doc", "pdf" or "image"; anything else is a ReadError."""
    path = Path(path)
    head = read_head(path)
    name = path.name
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        with open_docx(path) as zf:
            docx_main_part(zf, name)
        return "docx"
    if head.startswith(OLE_MAGIC):
        return _ole_kind(path)
    if head.startswith(b"{\\rtf"):
        return "doc"  # Word's RTF, often saved as ".doc"; LibreOffice converts it like a .doc
    if b"%PDF-" in head:
        return "pdf"
    if head.startswith(_IMAGE_MAGIC):
        return "image"
    raise ReadError(_unknown_message(name, head), name)


def _unknown_message(name: str, head: bytes) -> str:
    if not head.strip(b"\x00"):
        return (f"Tệp {name} chỉ toàn byte 0 (hỏng khi sao chép hoặc tải về); "
                "hãy nhờ đơn vị gửi lại.")
    for magic, what in _UNSUPPORTED_MAGIC.items():
        if head.startswith(magic):
            return f"Tệp {name} là {what}, không phải phiếu: {ACCEPTED}"
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1") or head[8:12] == b"WEBP":
        return (f"Tệp {name} là ảnh HEIC/WebP, chưa đọc được: hãy lưu ảnh thành JPG "
                "(hoặc chụp lại ở chế độ JPG) rồi gửi lại.")
    text = _as_text(head)
    if text is not None and _HTML.search(text):
        return (f"Tệp {name} là trang web (HTML, như khi Word “lưu thành trang web”) chứ không "
                "phải tệp Word thật: hãy nhờ đơn vị mở bằng Word, lưu lại dưới dạng Word "
                "Document (.docx) rồi gửi lại.")
    if text is not None:
        return (f"Không nhận ra loại tệp {name}: tệp chỉ có chữ thường (như tệp .txt), không "
                f"phải phiếu; {ACCEPTED}")
    return f"Không nhận ra loại tệp {name}: {ACCEPTED}"


_HTML = re.compile(r"^\s*(<\?xml[^>]*>\s*)?(<!doctype\s+html|<html|<head|<meta|<body)",
                   re.IGNORECASE)


def _as_text(head: bytes) -> str | None:
    """The head as text when it is text (UTF-8/UTF-16 with a mark, no control bytes)."""
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"),
                       (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            head, encoding = head[len(bom):], codec
            break
    else:
        encoding = "utf-8"
    try:
        text = head.decode(encoding)
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not merely a character cut at the end of the head
            return None
        text = head[: exc.start].decode(encoding)
    if any(ord(ch) < 32 and ch not in "\t\r\n\f" for ch in text):
        return None
    return text


def open_docx(path: Path) -> zipfile.ZipFile:
    """Open a Word .docx as a zip; a truncated or broken zip is a ReadError."""
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ReadError(f"Tệp {path.name} bị hỏng hoặc chưa tải về hết: không mở được như tệp "
                        "Word (.docx); hãy nhờ đơn vị gửi lại.", path.name) from exc


def read_part(zf: zipfile.ZipFile, part: str, name: str, limit: int = MAX_SMALL_PART_BYTES
              ) -> bytes:
    """One part of the zip, refused before reading when its declared size is over ``limit``.

    zipfile stops at the declared size (and a lying size fails the CRC), so the check bounds the
    memory a zip bomb can take.
    """
    try:
        info = zf.getinfo(part)
    except KeyError as exc:
        raise ReadError(f"Tệp Word {name} bị hỏng: thiếu phần {part}.", name) from exc
    _check_member(info, limit, name)
    try:
        return zf.read(info)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError,
            NotImplementedError) as exc:
        raise ReadError(f"Tệp Word {name} bị hỏng (phần {part} không giải nén được); "
                        "hãy nhờ đơn vị gửi lại.", name) from exc


def _check_member(info: zipfile.ZipInfo, limit: int, name: str) -> None:
    """Refuse a zip member that is encrypted or declares more than ``limit`` bytes unzipped."""
    if info.flag_bits & 0x1:
        raise ReadError(f"Tệp {name} được nén có mật khẩu: hãy nhờ đơn vị gửi bản không đặt "
                        "mật khẩu.", name)
    if info.file_size > limit:
        raise ReadError(f"Tệp Word {name} bất thường: phần {info.filename} giải nén ra "
                        f"{info.file_size // (1024 * 1024)} MB, quá giới hạn "
                        f"{limit // (1024 * 1024)} MB; không đọc để đảm bảo an toàn.", name)


def docx_main_part(zf: zipfile.ZipFile, name: str) -> str:
    """The zip member holding the document body (normally ``word/document.xml``).

    Decided by ``[Content_Types].xml``, which is what Word itself trusts.  Refused here: a
    macro-enabled document, a zip bomb (by the declared size of the body) and other zip files
    (Excel, OpenDocument, plain archives).
    """
    names = set(zf.namelist())
    if "mimetype" in names and "[Content_Types].xml" not in names:
        raise ReadError(f"Tệp {name} là tệp OpenDocument (LibreOffice .odt/.ods), chưa đọc "
                        "trực tiếp được: hãy nhờ đơn vị lưu lại dưới dạng Word (.docx).", name)
    if "[Content_Types].xml" not in names:
        raise ReadError(f"Không nhận ra loại tệp {name} (tệp nén, không phải Word): {ACCEPTED}",
                        name)
    types = parse_xml(read_part(zf, "[Content_Types].xml", name), name)
    main = None
    for override in types.iter(f"{_CT_NS}Override"):
        ctype = override.get("ContentType", "")
        if ctype in WORD_MACRO:
            raise ReadError(f"Tệp {name} là tài liệu Word có macro (.docm), không mở để đảm bảo "
                            "an toàn: hãy nhờ đơn vị lưu lại dưới dạng Word (.docx) rồi gửi lại.",
                            name)
        if ctype in (WORD_MAIN, WORD_TEMPLATE):
            main = override.get("PartName", "").lstrip("/")
    if main is None:
        raise ReadError(f"Tệp {name} là tệp Office nhưng không phải văn bản Word (có thể là "
                        f"Excel hoặc PowerPoint): {ACCEPTED}", name)
    if main not in names:
        raise ReadError(f"Tệp Word {name} bị hỏng: thiếu phần nội dung {main}.", name)
    _check_member(zf.getinfo(main), MAX_PART_BYTES, name)  # a zip bomb stops here, unread
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise ReadError(f"Tệp {name} chứa macro, không mở để đảm bảo an toàn: hãy nhờ đơn vị "
                        "lưu lại dưới dạng Word (.docx) không có macro rồi gửi lại.", name)
    return main


def _ole_kind(path: Path) -> Kind:
    """An OLE2 compound file: an old Word .doc, or a password-protected .docx, or else refused."""
    import olefile

    name = path.name
    try:
        with olefile.OleFileIO(str(path)) as ole:
            if ole.exists("EncryptedPackage") or ole.exists("EncryptionInfo"):
                raise ReadError(f"Tệp Word {name} được đặt mật khẩu: hãy nhờ đơn vị gỡ mật khẩu "
                                "rồi gửi lại.", name)
            if ole.exists("WordDocument"):
                with ole.openstream("WordDocument") as stream:
                    fib = stream.read(12)
                if len(fib) >= 12 and int.from_bytes(fib[10:12], "little") & 0x0100:
                    raise ReadError(f"Tệp Word {name} được đặt mật khẩu: hãy nhờ đơn vị gỡ mật "
                                    "khẩu rồi gửi lại.", name)
                return "doc"
            if ole.exists("Workbook") or ole.exists("Book"):
                raise ReadError(f"Tệp {name} là bảng tính Excel, không phải phiếu: {ACCEPTED}",
                                name)
    except ReadError:
        raise
    except Exception as exc:  # olefile raises OSError, struct.error, IndexError ... on junk
        raise ReadError(f"Tệp {name} bị hỏng hoặc chưa tải về hết: không mở được như tệp "
                        "Word (.doc); hãy nhờ đơn vị gửi lại.", name) from exc
    raise ReadError(f"Không nhận ra loại tệp {name} (tệp Office nhưng không phải Word): "
                    f"{ACCEPTED}", name)
