"""Bad returned files, made from scratch with real formats: for ``tests.test_bad_inputs``.

Every maker writes one file at the path it is given and returns that path.  Nothing here is a
mock: a zip bomb is a real deflate stream, an encrypted PDF is encrypted with the PDF standard
security handler (RC4, revision 2, user password ``matkhau``), a password-protected .docx is
encrypted by msoffcrypto-tool, the 2,000-page PDF is a valid PDF of 2,000 pages.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import re
import shutil
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from docx import Document
from PIL import Image

from bontot.models import ASSESSMENT_LABELS
from tests.formgen import COMMON_LABELS, form02_values, printed, write_form02

REGISTRATION_LABELS = {
    "unit_type": "Loại hình",
    "members_total": "Tổng số đảng viên",
    "sub_cells_total": "Số chi bộ trực thuộc",
    "title_registered": "Đăng ký danh hiệu",
    "admission_target": "Chỉ tiêu kết nạp đảng viên",
}
TITLE_TEXT = {"chi_bo_bon_tot": "Chi bộ bốn tốt", "dang_bo_co_so_bon_tot": "Đảng bộ cơ sở bốn tốt"}
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
STRICT_W_NS = "http://purl.oclc.org/ooxml/wordprocessingml/main"


# -- Word --------------------------------------------------------------------------------------


def good_form_bytes(unit: str = "HU-01-02", name: str = 'Chi bộ A & B <1> "x"', year: int = 2024,
                    **changes: Any) -> bytes:
    """A valid retyped Mẫu 02 as bytes (the raw material of the broken variants)."""
    buf = io.BytesIO()
    write_form02(buf, form02_values(unit, name, year, **changes))  # type: ignore[arg-type]
    return buf.getvalue()


def write_form01(path: Path, values: dict[str, Any]) -> Path:
    """A retyped Mẫu 01-ĐK (registration) as a two-column table."""
    doc = Document()
    doc.add_paragraph("Mẫu 01-ĐK")
    doc.add_paragraph("PHIẾU ĐĂNG KÝ THI ĐUA")
    doc.add_paragraph('XÂY DỰNG "CHI BỘ BỐN TỐT", "ĐẢNG BỘ CƠ SỞ BỐN TỐT" GIAI ĐOẠN 2022 - 2027')
    table = doc.add_table(rows=0, cols=2)
    printed = {"unit_kind": {"chi_bo": "Chi bộ", "dang_bo_co_so": "Đảng bộ cơ sở"},
               "unit_type": {"thon_to_dan_pho": "Thôn, tổ dân phố"},
               "title_registered": TITLE_TEXT}
    for key, label in {**COMMON_LABELS, **REGISTRATION_LABELS}.items():
        if key in values:
            row = table.add_row().cells
            row[0].text = label
            row[1].text = printed.get(key, {}).get(values[key], str(values[key]))
    doc.add_paragraph("Trà Giang, ngày 20 tháng 11 năm 2022")
    doc.add_paragraph("T/M CHI BỘ")
    doc.add_paragraph("BÍ THƯ")
    doc.add_paragraph("Nguyễn Văn An")
    doc.save(path)
    return path


def write_form02_raw(path: Path, values: dict[str, Any], raw: dict[str, str],
                     title_year: str | None = None, signed: dt.date | None = None) -> Path:
    """A retyped Mẫu 02 where the keys of ``raw`` print as given (text no valid form has);
    a key of ``raw`` missing from ``values`` is added, one whose text is "" is left out."""
    doc = Document()
    doc.add_paragraph("Mẫu 02-TĐG")
    doc.add_paragraph("BÁO CÁO TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN")
    year = values.get("year", "") if title_year is None else title_year
    doc.add_paragraph(f'"CHI BỘ BỐN TỐT", "ĐẢNG BỘ CƠ SỞ BỐN TỐT" NĂM {year}')
    labels = {**COMMON_LABELS, **ASSESSMENT_LABELS}
    table = doc.add_table(rows=0, cols=2)
    for key, label in labels.items():
        if key in raw:
            text = raw[key]
        elif key in values:
            text = printed(key, values[key])
        else:
            continue
        if text == "":
            continue
        row = table.add_row().cells
        row[0].text = label
        row[1].text = text
    day = signed or dt.date(2024, 12, 15)
    doc.add_paragraph(f"Trà Giang, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}")
    doc.add_paragraph("T/M CHI BỘ")
    doc.add_paragraph("BÍ THƯ")
    doc.add_paragraph("Nguyễn Văn An")
    doc.save(path)
    return path


def form01_values(unit: str, name: str, **changes: Any) -> dict[str, Any]:
    values = {"unit_code": unit, "unit_name": name, "unit_kind": "chi_bo",
              "unit_type": "thon_to_dan_pho", "members_total": 20, "sub_cells_total": 0,
              "title_registered": "chi_bo_bon_tot", "admission_target": 3}
    values.update(changes)
    return values


def zip_parts(blob: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def zip_bytes(parts: dict[str, bytes], level: int = 6) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return buf.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def truncated_docx(path: Path) -> Path:
    data = good_form_bytes()
    return write(path, data[: len(data) // 2])


def corrupt_member_docx(path: Path) -> Path:
    """The zip's directory is whole, the compressed body is garbled (a bad download)."""
    data = bytearray(good_form_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 20, start + min(info.compress_size, 400)):
        data[i] ^= 0x5A
    return write(path, bytes(data))


@functools.lru_cache(maxsize=1)
def _bomb_body() -> bytes:
    head = f'<?xml version="1.0"?><w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>'
    return head.encode() + b"A" * (200 * 1024 * 1024) + b"</w:t></w:r></w:p></w:body></w:document>"


@functools.lru_cache(maxsize=1)
def zip_bomb_bytes() -> bytes:
    """A .docx whose body unzips to 200 MB (about 200 KB on disk)."""
    parts = zip_parts(good_form_bytes())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, data in parts.items():
            zf.writestr(name, _bomb_body() if name == "word/document.xml" else data)
    return buf.getvalue()


def zip_bomb_docx(path: Path) -> Path:
    return write(path, zip_bomb_bytes())


def lying_zip_bomb_docx(path: Path) -> Path:
    """The body declares 2 KB unzipped but its deflate stream gives 200 MB: the sizes in the
    local header and the central directory are rewritten to lie."""
    data = bytearray(zip_bomb_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("word/document.xml")
    small = 2048
    local = info.header_offset
    struct.pack_into("<I", data, local + 22, small)  # local header: uncompressed size
    # this member's record in the central directory
    pos = bytes(data).find(b"PK\x01\x02")
    while pos != -1:
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        if bytes(data[pos + 46 : pos + 46 + name_len]) == b"word/document.xml":
            struct.pack_into("<I", data, pos + 24, small)
            break
        pos = bytes(data).find(b"PK\x01\x02", pos + 4)
    return write(path, bytes(data))


def with_document_xml(path: Path, body: bytes) -> Path:
    parts = zip_parts(good_form_bytes())
    parts["word/document.xml"] = body
    return write(path, zip_bytes(parts))


def billion_laughs_docx(path: Path) -> Path:
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    ]
    body = (f'<?xml version="1.0"?>\n<!DOCTYPE w:document [{"".join(entities)}]>\n'
            f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>'
            "</w:body></w:document>")
    return with_document_xml(path, body.encode())


def deep_xml_docx(path: Path, depth: int = 100_000) -> Path:
    """A body nested 100,000 elements deep (a parser's stack, not its memory, is the target)."""
    body = (f'<?xml version="1.0"?><w:document xmlns:w="{W_NS}"><w:body>'
            + "<w:sdt><w:sdtContent>" * depth + "</w:sdtContent></w:sdt>" * depth
            + "</w:body></w:document>")
    return with_document_xml(path, body.encode())


def xxe_docx(path: Path) -> Path:
    body = ('<?xml version="1.0"?>\n<!DOCTYPE w:document [<!ENTITY xxe SYSTEM '
            '"file:///etc/passwd">]>\n'
            f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>Mẫu 02-TĐG</w:t></w:r></w:p>'
            '<w:p><w:r><w:t>Mã đơn vị: &xxe;</w:t></w:r></w:p></w:body></w:document>')
    return with_document_xml(path, body.encode())


def xxe_content_types_docx(path: Path) -> Path:
    """The external entity in ``[Content_Types].xml``, the first part anyone reads."""
    parts = zip_parts(good_form_bytes())
    ct = parts["[Content_Types].xml"].decode()
    ct = ct.replace("?>", '?>\n<!DOCTYPE Types [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>', 1)
    parts["[Content_Types].xml"] = ct.encode()
    return write(path, zip_bytes(parts))


def strict_ooxml_docx(path: Path) -> Path:
    parts = zip_parts(good_form_bytes())
    parts["word/document.xml"] = parts["word/document.xml"].replace(
        W_NS.encode(), STRICT_W_NS.encode())
    return write(path, zip_bytes(parts))


def missing_body_docx(path: Path) -> Path:
    parts = zip_parts(good_form_bytes())
    del parts["word/document.xml"]
    return write(path, zip_bytes(parts))


def docm(path: Path) -> Path:
    """A macro-enabled document: the content type Word gives a .docm, and a VBA project."""
    parts = zip_parts(good_form_bytes())
    ct = parts["[Content_Types].xml"].decode()
    ct = re.sub(r"wordprocessingml\.document\.main\+xml",
                "ms-word.document.macroEnabled.main+xml", ct)
    ct = ct.replace("application/vnd.openxmlformats-officedocument.ms-word",
                    "application/vnd.ms-word")
    ct = ct.replace("</Types>", '<Override PartName="/word/vbaProject.bin" '
                    'ContentType="application/vnd.ms-office.vbaProject"/></Types>')
    parts["[Content_Types].xml"] = ct.encode()
    parts["word/vbaProject.bin"] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    return write(path, zip_bytes(parts))


def hidden_macro_docx(path: Path) -> Path:
    """An ordinary content type, but a VBA project inside all the same."""
    parts = zip_parts(good_form_bytes())
    parts["word/vbaProject.bin"] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    return write(path, zip_bytes(parts))


def password_docx(path: Path) -> Path:
    import msoffcrypto
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(good_form_bytes())).encrypt("matkhau", out)
    assert msoffcrypto.OfficeFile(io.BytesIO(out.getvalue())).is_encrypted()
    return write(path, out.getvalue())


def xlsx_as_docx(path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = "Mã đơn vị"
    wb.active["B1"] = "HU-01-02"
    wb.save(path)
    return path


def odt_as_docx(path: Path) -> Path:
    parts = {"mimetype": b"application/vnd.oasis.opendocument.text",
             "content.xml": b"<office:document-content/>"}
    return write(path, zip_bytes(parts))


def plain_zip_as_docx(path: Path) -> Path:
    return write(path, zip_bytes({"phieu.docx": good_form_bytes(), "ghi-chu.txt": b"xin chao"}))


def letter_docx(path: Path) -> Path:
    """A real Word file that is no form (a cover letter sent instead of the form)."""
    doc = Document()
    doc.add_paragraph("Kính gửi: Ban Tổ chức Huyện ủy")
    doc.add_paragraph("Chi bộ xin gửi kèm báo cáo theo yêu cầu. Trân trọng.")
    doc.save(path)
    return path


def empty_docx(path: Path) -> Path:
    Document().save(path)
    return path


def both_forms_docx(path: Path) -> Path:
    doc = Document()
    doc.add_paragraph("Mẫu 01-ĐK")
    doc.add_paragraph("Mẫu 02-TĐG")
    doc.add_paragraph("Mã đơn vị: HU-01-02")
    doc.add_paragraph("Năm đánh giá: 2024")
    doc.save(path)
    return path


# -- other formats -----------------------------------------------------------------------------


def _pdf(objects: list[bytes], root: int, extra_trailer: bytes = b"") -> bytes:
    """A PDF from its numbered objects (1-based, in order), with a correct xref table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += (b"trailer\n<< /Size %d /Root %d 0 R " % (len(objects) + 1, root) + extra_trailer
            + b">>\nstartxref\n%d\n%%%%EOF\n" % xref)
    return bytes(out)


def many_pages_pdf(path: Path, pages: int = 2000) -> Path:
    """A valid PDF of ``pages`` pages, each with a line of text (one shared content stream)."""
    stream = b"BT /F1 14 Tf 72 760 Td (Mau 02-TDG  Ma don vi: HU-01-02) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, filled below
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    kids = []
    for _ in range(pages):
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R "
                       b"/Resources << /Font << /F1 4 0 R >> >> >>")
        kids.append(b"%d 0 R" % len(objects))
    objects[1] = b"<< /Type /Pages /Count %d /Kids [" % pages + b" ".join(kids) + b"] >>"
    return write(path, _pdf(objects, 1))


_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def _rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    i = j = 0
    out = bytearray()
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def encrypted_pdf(path: Path, user: bytes = b"matkhau", owner: bytes = b"chuso") -> Path:
    """A one-page PDF protected by the standard security handler (RC4 40-bit, revision 2):
    it opens only with the user password (algorithms 3 and 4 of ISO 32000-1, 7.6.3)."""
    owner_key = hashlib.md5((owner + _PAD)[:32]).digest()[:5]
    o_value = _rc4(owner_key, (user + _PAD)[:32])
    p_value = -44
    file_id = hashlib.md5(b"bontot-encrypted").digest()
    key = hashlib.md5((user + _PAD)[:32] + o_value + struct.pack("<i", p_value)
                      + file_id).digest()[:5]
    u_value = _rc4(key, _PAD)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        b"<< /Filter /Standard /V 1 /R 2 /O <" + o_value.hex().encode() + b"> /U <"
        + u_value.hex().encode() + b"> /P %d >>" % p_value,
    ]
    trailer = (b"/Encrypt 4 0 R /ID [<" + file_id.hex().encode() + b"> <"
               + file_id.hex().encode() + b">] ")
    return write(path, _pdf(objects, 1, trailer))


def truncated_pdf(path: Path) -> Path:
    data = many_pages_pdf(path, pages=3).read_bytes()
    return write(path, data[:40])


def png_bytes(size: tuple[int, int] = (400, 300)) -> bytes:
    buf = io.BytesIO()
    Image.new("L", size, 255).save(buf, format="PNG")
    return buf.getvalue()


def image_as_pdf(path: Path) -> Path:
    """A photo saved as "….pdf" (a small blank page: read as an image, not refused as a PDF)."""
    buf = io.BytesIO()
    Image.new("RGB", (600, 400), (250, 250, 245)).save(buf, format="JPEG", quality=85)
    return write(path, buf.getvalue())


def text_image(path: Path) -> Path:
    """A photo of a typed page (a few lines of text at 150 dpi, JPEG): something to OCR."""
    from PIL import ImageDraw, ImageFont

    page = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 28)
    for i, line in enumerate(["Mẫu 02-TĐG", "BÁO CÁO TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN",
                              "Mã đơn vị: HU-01-02", "Năm đánh giá: 2024"]):
        draw.text((120, 150 + 60 * i), line, fill=0, font=font)
    page.save(path, format="JPEG", quality=90, dpi=(150, 150))
    return path


def scanned_form(lines: list[str], qr_payload: str) -> Callable[[Path], Path]:
    """A maker of a scanned page (300 dpi JPEG) printing ``lines`` with our QR code in the top
    right corner, as a pre-filled form comes back: read by the real Tesseract and zxing."""
    def make(path: Path) -> Path:
        import segno
        from PIL import ImageDraw, ImageFont

        page = Image.new("L", (2480, 3508), 255)
        draw = ImageDraw.Draw(page)
        font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 44)
        for i, line in enumerate(lines):
            draw.text((250, 300 + 110 * i), line, fill=0, font=font)
        buf = io.BytesIO()
        segno.make(qr_payload, error="m").save(buf, kind="png", scale=12, border=4)
        code = Image.open(buf).convert("L")
        page.paste(code, (page.width - code.width - 150, 120))
        page.save(path, format="JPEG", quality=92, dpi=(300, 300))
        return path
    return make


def decompression_bomb_png(path: Path, side: int = 40_000) -> Path:
    """A 1-bit PNG of 40,000 × 40,000 pixels (1.6 gigapixels) in about 200 KB."""
    row = b"\x00" + b"\x00" * (side // 8)
    comp = zlib.compressobj(9)
    idat = bytearray()
    for _ in range(side):
        idat += comp.compress(row)
    idat += comp.flush()

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(
            ">I", zlib.crc32(tag + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", bytes(idat))
            + chunk(b"IEND", b""))
    return write(path, data)


def truncated_jpeg(path: Path) -> Path:
    buf = io.BytesIO()
    Image.effect_noise((800, 600), 60).convert("RGB").save(buf, format="JPEG", quality=90)
    data = buf.getvalue()
    return write(path, data[: len(data) // 3])


def gif_file(path: Path) -> Path:
    Image.new("P", (50, 50)).save(path, format="GIF")
    return path


def elf_as_pdf(path: Path) -> Path:
    """A real program (``/bin/true``) named "….pdf"."""
    shutil.copyfile("/bin/true", path)
    return path


def exe_as_docx(path: Path) -> Path:
    stub = bytearray(256)
    stub[:2] = b"MZ"
    struct.pack_into("<I", stub, 0x3C, 0x80)
    stub[0x80:0x84] = b"PE\x00\x00"
    return write(path, bytes(stub))


def html_as_doc(path: Path) -> Path:
    """What Word's "Save as Web Page" gives, renamed .doc by a unit."""
    html = ('<html xmlns:o="urn:schemas-microsoft-com:office:office">\n<head><meta charset="utf-8">'
            "</head><body><p>Mẫu 02-TĐG</p><p>Mã đơn vị: HU-01-02</p></body></html>")
    return write(path, html.encode())


def ole_junk_doc(path: Path) -> Path:
    return write(path, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x42" * 3000)


def rtf_letter_doc(path: Path) -> Path:
    """A real RTF letter saved as ".doc" (read through the real LibreOffice): no form in it."""
    rtf = (r"{\rtf1\ansi\deff0{\fonttbl{\f0 Times New Roman;}}\f0\fs24 "
           r"K\u237?nh g\u7917?i Ban T\u7893? ch\u7913?c\par Th\u432? c\u7843?m \u417?n.\par}")
    return write(path, rtf.encode("ascii"))


def rar_file(path: Path) -> Path:
    return write(path, b"Rar!\x1a\x07\x01\x00" + b"\x00" * 100)


def heic_file(path: Path) -> Path:
    return write(path, b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 200)


def text_file(path: Path) -> Path:
    return write(path, "Mã đơn vị: HU-01-02\nNăm đánh giá: 2024\n".encode())


def zero_bytes(path: Path) -> Path:
    return write(path, b"")


def all_zero_bytes(path: Path) -> Path:
    return write(path, b"\x00" * 8192)
