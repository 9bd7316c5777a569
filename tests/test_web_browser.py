"""The web desk in a real browser: Playwright driving Debian's Chromium (no browser download).

A live server (uvicorn, in a thread) serves a copy of the demo province.  The tests run wherever
``/usr/bin/chromium`` exists (CI installs it) and are skipped, saying why, only where it does not.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from bontot import store as st
from bontot.intake import run_intake
from bontot.service import evaluate_workspace
from bontot.web.app import create_app
from bontot.workspace import Workspace
from tests.test_web_http import (
    FAST,
    PASSWORD,
    copy_workspace,
    documents,
    form_file,
    template_root,
)

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="/usr/bin/chromium is missing: apt-get install chromium"
    ),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def ws(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Workspace:
    """A copy of the demo province (the same one the HTTP tests use)."""
    return copy_workspace(template_root(tmp_path_factory), tmp_path)


@pytest.fixture
def live(ws: Workspace) -> Iterator[str]:
    """The web desk on a free loopback port for the length of one test."""
    port = _free_port()
    config = uvicorn.Config(
        create_app(ws, FAST),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=3,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the web server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(15)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object, live: str) -> Iterator[object]:
    """A fresh browser context, closed before the server stops (no keep-alive left behind)."""
    context = browser.new_context(accept_downloads=True, locale="vi-VN")  # type: ignore[attr-defined]
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


def log_in(page: object, base: str, user: str, start: str = "/van-ban") -> None:
    page.goto(base + start)  # type: ignore[attr-defined]
    page.fill("#username", user)  # type: ignore[attr-defined]
    page.fill("#password", PASSWORD)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url(f"{base}{start}*")  # type: ignore[attr-defined]


def test_log_in_and_download_a_document_byte_for_byte(
    page: object,
    live: str,
    ws: Workspace,
) -> None:
    from playwright.sync_api import expect

    doc = documents(ws)[("qd-cong-nhan", "HU-TG")]
    log_in(page, live, "hutg")
    expect(page.locator("#documents")).to_contain_text("qd-cong-nhan-2024")  # type: ignore
    with page.expect_download() as download:  # type: ignore[attr-defined]
        page.click(f'a[href="/van-ban/{doc.id}/pdf"]')  # type: ignore[attr-defined]
    got = Path(download.value.path()).read_bytes()
    assert got == (ws.root / doc.path).with_suffix(".pdf").read_bytes()
    assert download.value.suggested_filename == "qd-cong-nhan-2024.pdf"


def test_a_committee_is_denied_another_committees_document_by_url(
    page: object,
    live: str,
    ws: Workspace,
) -> None:
    from playwright.sync_api import expect

    theirs = documents(ws)[("qd-cong-nhan", "HU-TG")]
    log_in(page, live, "tubd")
    for url in (f"/van-ban/{theirs.id}/pdf", "/tep/2024/HU-TG/qd-cong-nhan-2024.pdf"):
        reply = page.goto(live + url)  # type: ignore[attr-defined]
        assert reply.status == 404
        expect(page.locator("body")).to_contain_text("Không tìm thấy")  # type: ignore


def test_an_uploaded_form_reaches_the_desk(
    page: object,
    live: str,
    ws: Workspace,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    form = form_file(
        tmp_path,
        "Báo cáo Mỹ Khê 3.docx",
        "HU-TG-01-03",
        "Chi bộ Thôn Mỹ Khê 3",
        members_total=19,
        members_evaluated=19,
        rated_good=10,
    )
    log_in(page, live, "hutg", "/tai-len")
    page.set_input_files("#tep", str(form))  # type: ignore[attr-defined]
    page.click("text=Gửi phiếu >> nth=-1")  # type: ignore[attr-defined]
    page.wait_for_url(f"{live}/tai-len/*")  # type: ignore[attr-defined]
    batch = page.locator("#batch")  # type: ignore[attr-defined]
    expect(batch).to_contain_text("Cần người kiểm tra")  # the page polls, then reloads
    expect(batch).to_contain_text("Báo cáo Mỹ Khê 3.docx")
    page.click("#batch >> text=Kiểm tra phiếu")  # type: ignore[attr-defined]
    expect(page.locator("ul.problems")).to_contain_text("Tổng bốn mức xếp loại")  # type: ignore
    page.goto(live + "/kiem-tra")  # type: ignore[attr-defined]
    expect(page.locator("#desk")).to_contain_text("HU-TG-01-03")  # type: ignore


def test_correcting_a_field_on_the_desk_changes_the_units_result(
    page: object,
    live: str,
    ws: Workspace,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    # The reader took "Có" for "Không" on criterion 2; the name is spelt differently: stored,
    # with a note, so it is on the desk, and the unit fails criterion 2.
    form = form_file(
        tmp_path, "bau-sen.docx", "HU-TG-01-02", "Chi bộ Thôn Bàu Sen", t2_quality_ok=False
    )
    shutil.copy(form, ws.inbox / form.name)
    past = time.time() - 60
    os.utime(ws.inbox / form.name, (past, past))
    assert run_intake(ws).outcomes[0].status == "stored"
    evaluate_workspace(ws, [2026])
    with st.open_store(ws.database_url).session() as s:
        (reading,) = st.list_readings(s, unit_code="HU-TG-01-02")

    log_in(page, live, "hutg", "/don-vi/HU-TG-01-02?nam=2026")
    expect(page.locator("#verdict")).to_contain_text("Năm 2026: Không đạt")  # type: ignore
    page.goto(live + "/kiem-tra")  # type: ignore[attr-defined]
    page.click(f'tr[data-reading="{reading.id}"] >> text=Mở')  # type: ignore[attr-defined]
    page.select_option("#f_t2_quality_ok", "true")  # type: ignore[attr-defined]
    page.click("button.primary")  # type: ignore[attr-defined]
    expect(page.locator("#saved-message")).to_contain_text("Đã xác nhận")  # type: ignore
    page.click("#result-link")  # type: ignore[attr-defined]
    expect(page.locator("#verdict")).to_contain_text("Năm 2026: Đạt")  # type: ignore
    expect(page.locator("#criterion-t2")).to_contain_text("Đạt")  # type: ignore


def scan_of_form(path: Path, values: dict) -> Path:
    """A plain "scan": the form's lines drawn on an A4 page at 150 dpi, saved as PNG."""
    from PIL import Image, ImageDraw, ImageFont

    from bontot.models import ASSESSMENT_LABELS
    from tests.formgen import COMMON_LABELS, printed

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 22)
    page = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(page)
    lines = [
        "Mẫu 02-TĐG",
        "BÁO CÁO TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN",
        f'"CHI BỘ BỐN TỐT", "ĐẢNG BỘ CƠ SỞ BỐN TỐT" NĂM {values["year"]}',
    ]
    labels = {**COMMON_LABELS, **ASSESSMENT_LABELS}
    lines += [f"{labels[k]}: {printed(k, v)}" for k, v in values.items() if k in labels]
    for i, line in enumerate(lines):
        draw.text((110, 90 + 42 * i), line, fill=0, font=font)
    page.save(path, dpi=(150, 150))
    return path


def test_an_uploaded_scan_reaches_the_desk_with_its_page_image(
    page: object, live: str, ws: Workspace, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    from tests.formgen import form02_values

    values = form02_values(
        "HU-TG-01-03",
        "Chi bộ Thôn Mỹ Khê 3",
        2026,
        members_total=19,
        members_evaluated=19,
        rated_excellent=4,
        rated_good=10,
    )
    scan = scan_of_form(tmp_path / "ảnh quét Mỹ Khê.png", values)
    log_in(page, live, "hutg", "/tai-len")
    page.set_input_files("#tep", str(scan))  # type: ignore[attr-defined]
    page.click("text=Gửi phiếu >> nth=-1")  # type: ignore[attr-defined]
    page.wait_for_url(f"{live}/tai-len/*")  # type: ignore[attr-defined]
    expect(page.locator("#batch-state")).to_contain_text("Đã đọc xong", timeout=90_000)  # type: ignore
    expect(page.locator("#batch")).to_contain_text("Cần người kiểm tra")  # type: ignore
    page.click("#batch >> text=Kiểm tra phiếu")  # type: ignore[attr-defined]
    expect(page.locator("img.page").first).to_be_visible()  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => { const i = document.querySelector('img.page');"
        " return i && i.complete && i.naturalWidth > 500; }"
    )
