"""The web desk over HTTP (FastAPI's TestClient): what each page does, and the security cases —
IDOR, path traversal, CSRF, oversized and disguised uploads, login hold-back, cookie flags.

One demo province is built per session (``bontot demo`` data, four accounts, documents for each
committee) and copied for every test, so tests never see each other's changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import shutil
import sqlite3
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

with warnings.catch_warnings():  # Starlette asks for httpx2; httpx is what the project has
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

from bontot import store as st
from bontot.cli import main
from bontot.intake import run_intake
from bontot.service import evaluate_workspace, load_demo
from bontot.web import status as status_facts
from bontot.web.app import create_app
from bontot.web.auth import Passwords
from bontot.web.settings import MB, WebSettings
from bontot.workspace import Workspace, init_workspace, open_workspace
from tests.formgen import form02_values, write_form02

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

FAST = {"argon2_time_cost": 1, "argon2_memory_kib": 8192, "argon2_parallelism": 1}
PASSWORD = "mat-khau-thu-1"
USERS = {  # name → (role, unit)
    "tinh": ("province", None),
    "hutg": ("committee", "HU-TG"),
    "tubd": ("committee", "TU-BD"),
    "xa-bakhe": ("committee", "HU-TG-01"),
}
COMMITTEES = ("HU-TG", "TU-BD", "DUK")
SIGNED = dt.date(2026, 11, 1)
GOOD = {"members_total": 33, "members_evaluated": 33, "rated_excellent": 4, "rated_good": 29}


# --- the demo workspace -----------------------------------------------------------------------


def _document(
    ws: Workspace, s: Any, kind: str, scope: str, committee: str | None, rel: str
) -> None:
    docx = ws.root / rel
    docx.parent.mkdir(parents=True, exist_ok=True)
    for suffix in (".docx", ".pdf"):
        blob = f"{kind} {scope} {committee} {suffix}\n".encode() + os.urandom(2048)
        docx.with_suffix(suffix).write_bytes(blob)
    sha = hashlib.sha256(docx.read_bytes()).hexdigest()
    st.record_document(
        s, kind=kind, scope=scope, committee_code=committee, path=rel, sha256=sha, inputs_sha256=sha
    )


def build_demo(root: Path) -> Path:
    """The demo province with accounts and a few documents per committee."""
    ws = init_workspace(root)
    load_demo(ws, root / "roster.xlsx")
    evaluate_workspace(ws)
    passwords = Passwords(WebSettings(**FAST))
    with st.open_store(ws.database_url).session() as s:
        for name, (role, unit) in USERS.items():
            st.accounts.add_user(
                s,
                username=name,
                password_hash=passwords.hash(PASSWORD),
                role=role,
                unit_code=unit,
                actor="test",
            )
        for code in COMMITTEES:
            _document(
                ws, s, "qd-cong-nhan", "2024", code, f"outputs/2024/{code}/qd-cong-nhan-2024.docx"
            )
        _document(ws, s, "bao-cao-so-ket", "so-ket", None, "outputs/so-ket/bao-cao-so-ket.docx")
    db = sqlite3.connect(root / "bontot.db")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return root


def template_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo workspace, built once per session (the browser tests share it)."""
    root = tmp_path_factory.getbasetemp() / "web-demo" / "ws"
    if not (root / ".built").exists():
        shutil.rmtree(root, ignore_errors=True)
        build_demo(root)
        (root / ".built").touch()
    return root


def copy_workspace(template: Path, tmp_path: Path) -> Workspace:
    dest = tmp_path / "ws"
    shutil.copytree(template, dest)
    return open_workspace(dest)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return template_root(tmp_path_factory)


@pytest.fixture
def ws(demo_template: Path, tmp_path: Path) -> Workspace:
    return copy_workspace(demo_template, tmp_path)


def make_client(ws: Workspace, **settings: Any) -> TestClient:
    return TestClient(create_app(ws, {**FAST, **settings}), follow_redirects=False)


@pytest.fixture
def client(ws: Workspace) -> Iterator[TestClient]:
    with make_client(ws) as c:
        yield c


def token_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def login(c: TestClient, user: str, password: str = PASSWORD, **headers: str) -> httpx.Response:
    form = c.get("/dang-nhap")
    data = {
        "username": user,
        "password": password,
        "csrf_token": token_of(form.text),
        "next": "/van-ban",
    }
    return c.post("/dang-nhap", data=data, headers=headers)


def logged_in(ws: Workspace, user: str, **settings: Any) -> TestClient:
    c = make_client(ws, **settings)
    c.__enter__()
    assert login(c, user).status_code == 303
    return c


def csrf(c: TestClient) -> str:
    return token_of(c.get("/tai-len").text)


def documents(ws: Workspace) -> dict[tuple[str, str | None], st.DocumentRecord]:
    with st.open_store(ws.database_url).session() as s:
        return {(d.kind, d.committee_code): d for d in st.current_documents(s).values()}


def wait_done(c: TestClient, batch_url: str, timeout: float = 60) -> dict:
    api = "/api" + batch_url
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reply = c.get(api).json()
        if reply["done"]:
            return reply
        time.sleep(0.2)
    raise AssertionError(f"upload {batch_url} not read within {timeout}s")


def form_file(
    tmp_path: Path, name: str, code: str, unit_name: str, year: int = 2026, **changes: Any
) -> Path:
    values = form02_values(code, unit_name, year, **{**GOOD, **changes})
    return write_form02(tmp_path / name, values, signed=SIGNED)


def upload(c: TestClient, *files: tuple[str, bytes], token: str | None = None) -> httpx.Response:
    data = {"csrf_token": csrf(c) if token is None else token}
    return c.post(
        "/tai-len",
        data=data,
        files=[("tep", (name, blob, "application/octet-stream")) for name, blob in files],
    )


def nothing_received(ws: Workspace) -> None:
    assert list(ws.inbox.iterdir()) == []
    assert not any((ws.root / ".uploads").rglob("*")) if (ws.root / ".uploads").exists() else True
    with st.open_store(ws.database_url).session() as s:
        assert st.list_readings(s) == []


# --- login, sessions, cookies -----------------------------------------------------------------


def test_pages_need_a_login(client: TestClient) -> None:
    for path in ("/van-ban", "/kiem-tra", "/tai-len", "/ket-qua", "/tinh-hinh", "/van-ban/1/pdf"):
        reply = client.get(path)
        assert reply.status_code == 303 and reply.headers["location"].startswith("/dang-nhap?")
    assert client.get("/api/tai-len/x").status_code == 401


def test_session_cookie_is_httponly_samesite_and_secure_only_over_https(ws: Workspace) -> None:
    with make_client(ws) as c:
        reply = login(c, "tinh")
        assert reply.status_code == 303 and reply.headers["location"] == "/van-ban"
        cookie = reply.headers["set-cookie"]
        assert "bontot_session=" in cookie and "HttpOnly" in cookie
        assert "SameSite=lax" in cookie.replace("Lax", "lax") and "Secure" not in cookie
        assert c.get("/van-ban").status_code == 200
    app = create_app(ws, FAST)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as c:
        reply = login(c, "tinh")
        assert reply.status_code == 303, reply.text
        cookie = reply.headers["set-cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie
    with make_client(ws, secure_cookies="always") as c:  # behind an https proxy
        assert "Secure" in c.get("/dang-nhap").headers["set-cookie"]


def test_security_headers(client: TestClient) -> None:
    reply = client.get("/dang-nhap")
    assert reply.headers["x-frame-options"] == "DENY"
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in reply.headers["content-security-policy"]
    assert reply.headers["cache-control"] == "no-store"


def test_wrong_password_is_refused_in_vietnamese_without_a_session(client: TestClient) -> None:
    reply = login(client, "tinh", "sai-mat-khau")
    assert reply.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in reply.text
    assert "bontot_session" not in reply.headers.get("set-cookie", "")
    assert login(client, "khong-co-ai").status_code == 401  # same answer for no such account


def test_repeated_failures_hold_the_account_back_even_with_the_right_password(
    ws: Workspace,
) -> None:
    with make_client(ws, lock_base_seconds=2) as c:
        for _ in range(5):
            assert login(c, "hutg", "sai-mat-khau").status_code == 401
        held = login(c, "hutg")
        assert held.status_code == 429 and "Đã đăng nhập sai nhiều lần" in held.text
        assert "bontot_session" not in held.headers.get("set-cookie", "")
        assert login(c, "tinh").status_code == 303  # another account from the same machine
        time.sleep(2.2)
        assert login(c, "hutg").status_code == 303  # the hold is over: the right password works
    with st.open_store(ws.database_url).session() as s:
        since = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
        assert st.accounts.recent_failures(s, since, username="hutg") == []


def test_failures_from_one_address_hold_back_every_account(ws: Workspace) -> None:
    with make_client(ws, ip_failures=6) as c:
        for i in range(6):
            assert login(c, f"doan-{i}", "sai-mat-khau").status_code == 401
        assert login(c, "tinh").status_code == 429


def test_logout_ends_the_session(ws: Workspace) -> None:
    c = logged_in(ws, "tinh")
    cookie = c.cookies.get("bontot_session")
    assert c.post("/dang-xuat", data={"csrf_token": csrf(c)}).status_code == 303
    c.cookies.set("bontot_session", cookie)
    assert c.get("/van-ban").status_code == 303  # the old cookie no longer opens anything
    c.__exit__(None, None, None)


# --- CSRF -------------------------------------------------------------------------------------


def test_post_without_or_with_a_wrong_csrf_token_is_403(ws: Workspace) -> None:
    c = logged_in(ws, "tinh")
    good = csrf(c)
    assert c.post("/dang-xuat", data={}).status_code == 403
    assert c.post("/dang-xuat", data={"csrf_token": "x" * 43}).status_code == 403
    assert "mã bảo vệ" in c.post("/dang-xuat", data={"csrf_token": ""}).text
    cross = c.post(
        "/dang-xuat", data={"csrf_token": good}, headers={"origin": "http://evil.example"}
    )
    assert cross.status_code == 403
    blob = b"%PDF-1.4\n" + b"0" * 100
    assert upload(c, ("a.pdf", blob), token="").status_code == 403
    override = {
        "csrf_token": "sai",
        "nam": "2024",
        "tieu_chi": "t1",
        "ket_qua": "dat",
        "ly_do": "x",
    }
    assert c.post("/don-vi/HU-TG-01-02/dieu-chinh", data=override).status_code == 403
    assert c.get("/van-ban").status_code == 200  # still logged in: nothing was done
    nothing_received(ws)
    with st.open_store(ws.database_url).session() as s:
        assert st.current_overrides(s, 2024) == {}
    c.__exit__(None, None, None)


def test_login_form_has_its_own_csrf_token(client: TestClient) -> None:
    client.get("/dang-nhap")
    reply = client.post("/dang-nhap", data={"username": "tinh", "password": PASSWORD})
    assert reply.status_code == 403


# --- documents: listing, download, IDOR, traversal --------------------------------------------


def test_committee_lists_and_downloads_only_its_own_documents(ws: Workspace) -> None:
    docs = documents(ws)
    mine, theirs = docs[("qd-cong-nhan", "HU-TG")], docs[("qd-cong-nhan", "TU-BD")]
    province = docs[("bao-cao-so-ket", None)]
    c = logged_in(ws, "hutg")
    listing = c.get("/van-ban").text
    assert f"/van-ban/{mine.id}/pdf" in listing
    assert f"/van-ban/{theirs.id}/" not in listing and f"/van-ban/{province.id}/" not in listing
    reply = c.get(f"/van-ban/{mine.id}/pdf")
    assert reply.status_code == 200
    assert reply.content == (ws.root / mine.path).with_suffix(".pdf").read_bytes()
    assert "attachment" in reply.headers["content-disposition"]
    for doc in (theirs, province):  # IDOR: another committee's id is "not found", never the file
        for fmt in ("pdf", "docx"):
            denied = c.get(f"/van-ban/{doc.id}/{fmt}")
            assert denied.status_code == 404
            assert denied.content != (ws.root / doc.path).with_suffix(f".{fmt}").read_bytes()
            assert "Không tìm thấy" in denied.text
    assert c.get("/tep/2024/TU-BD/qd-cong-nhan-2024.pdf").status_code == 404
    assert c.get("/tep/2024/HU-TG/qd-cong-nhan-2024.pdf").content == reply.content
    assert c.get("/van-ban/999999/pdf").status_code == 404
    c.__exit__(None, None, None)


def test_a_committee_below_sees_nothing_of_its_parent(ws: Workspace) -> None:
    c = logged_in(ws, "xa-bakhe")
    assert c.get(f"/van-ban/{documents(ws)[('qd-cong-nhan', 'HU-TG')].id}/pdf").status_code == 404
    assert c.get("/don-vi/HU-TG-02").status_code == 404
    assert c.get("/don-vi/HU-TG-01-02").status_code == 200
    c.__exit__(None, None, None)


def test_zip_of_a_selection_leaves_out_other_committees(ws: Workspace) -> None:
    import io
    import zipfile

    docs = documents(ws)
    mine, theirs = docs[("qd-cong-nhan", "HU-TG")], docs[("qd-cong-nhan", "TU-BD")]
    c = logged_in(ws, "hutg")
    reply = c.get("/van-ban/tai-ve.zip", params={"id": [mine.id, theirs.id], "dinh_dang": "pdf"})
    assert reply.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(reply.content)).namelist()
    assert names == ["2024/HU-TG/qd-cong-nhan-2024.pdf"]
    assert c.get("/van-ban/tai-ve.zip", params={"id": [theirs.id]}).status_code == 404
    province = logged_in(ws, "tinh")
    everything = province.get("/van-ban/tai-ve.zip", params={"tat_ca": "1", "nam": "2024"})
    assert len(zipfile.ZipFile(io.BytesIO(everything.content)).namelist()) == 6
    with st.open_store(ws.database_url).session() as s:
        zips = st.audit_entries(s, action="web.download.zip")
    assert [e.actor for e in zips] == ["tinh", "hutg"]
    assert zips[1].detail["document_ids"] == [mine.id]
    c.__exit__(None, None, None)
    province.__exit__(None, None, None)


def test_every_download_is_in_the_audit_log(ws: Workspace) -> None:
    doc = documents(ws)[("qd-cong-nhan", "HU-TG")]
    c = logged_in(ws, "hutg")
    c.get(f"/van-ban/{doc.id}/docx")
    c.get("/tep/2024/HU-TG/qd-cong-nhan-2024.pdf")
    with st.open_store(ws.database_url).session() as s:
        entries = st.audit_entries(s, action="web.download")
    assert [(e.actor, e.detail["format"]) for e in entries] == [("hutg", "pdf"), ("hutg", "docx")]
    assert entries[0].subject == doc.path and entries[0].detail["document_id"] == doc.id
    c.__exit__(None, None, None)


@pytest.mark.parametrize(
    "path",
    [
        "/tep/../bontot.toml",
        "/tep/%2e%2e/bontot.toml",
        "/tep/..%2fbontot.db",
        "/tep/2024/HU-TG/..%2F..%2F..%2Fbontot.toml",
        "/tep/%2Fetc%2Fpasswd",
        "/tep//etc/passwd",
        "/tep/..%5c..%5cbontot.toml",
        "/tep/2024%2FHU-TG%2F%2e%2e%2F%2e%2e%2F%2e%2e%2Fbontot.db",
        "/van-ban/..%2F..%2Fbontot.db/docx",
        "/van-ban/1%2F..%2F..%2Fbontot.toml/pdf",
        "/tep/C:%5cWindows%5cwin.ini",
        "/tep/2024/HU-TG/qd-cong-nhan-2024.pdf%00.txt",
        "/static/..%2f..%2fapp.py",
        "/static/%2e%2e/%2e%2e/store/accounts.py",
    ],
)
def test_path_traversal_in_names_is_404(ws: Workspace, path: str) -> None:
    c = logged_in(ws, "tinh")
    reply = c.get(path)
    assert reply.status_code == 404, path
    assert b"database_url" not in reply.content and b"SQLite" not in reply.content
    assert b"import" not in reply.content
    c.__exit__(None, None, None)


def test_a_stored_path_leaving_outputs_is_never_served(ws: Workspace) -> None:
    (ws.outputs / "2024" / "HU-TG" / "lien-ket.pdf").symlink_to(ws.root / "bontot.toml")
    with st.open_store(ws.database_url).session() as s:
        for i, path in enumerate(
            (
                "../bontot.toml",
                "/etc/passwd",
                "bontot.db",
                "outputs/../bontot.toml",
                "outputs/2024/HU-TG/lien-ket.pdf",
            )
        ):
            st.record_document(
                s,
                kind=f"x-{i}",
                scope="2024",
                committee_code="HU-TG",
                path=path,
                sha256="0" * 64,
                inputs_sha256="0" * 64,
            )
    c = logged_in(ws, "tinh")
    for (kind, _), doc in documents(ws).items():
        if kind.startswith("x-"):
            for fmt in ("docx", "pdf", "xlsx"):
                assert c.get(f"/van-ban/{doc.id}/{fmt}").status_code == 404
    assert c.get("/tep/2024/HU-TG/lien-ket.pdf").status_code == 404
    assert "chưa có tệp" in c.get("/van-ban", params={"cap_uy": "HU-TG"}).text
    c.__exit__(None, None, None)


# --- upload -----------------------------------------------------------------------------------


def test_a_100_mb_upload_is_413_and_nothing_is_stored(ws: Workspace) -> None:
    c = logged_in(ws, "tinh")
    token = csrf(c)
    reply = upload(c, ("lon.pdf", b"%PDF-1.4\n" + bytes(100 * MB)), token=token)
    assert reply.status_code == 413 and "quá lớn" in reply.text

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        yield b'--x\r\nContent-Disposition: form-data; name="tep"; filename="a.pdf"\r\n\r\n'
        for _ in range(100):
            yield bytes(MB)

    streamed = c.post(
        "/tai-len", content=chunks(), headers={"content-type": "multipart/form-data; boundary=x"}
    )
    assert streamed.status_code == 413
    nothing_received(ws)
    c.__exit__(None, None, None)


def test_a_file_over_the_per_file_limit_is_413_in_vietnamese(ws: Workspace) -> None:
    c = logged_in(ws, "tinh")
    reply = upload(c, ("ban-quet.pdf", b"%PDF-1.4\n" + bytes(21 * MB)))
    assert reply.status_code == 413
    assert "ban-quet.pdf lớn hơn 20 MB nên không nhận" in reply.text
    assert list(ws.inbox.iterdir()) == []
    c.__exit__(None, None, None)


def test_an_executable_renamed_pdf_is_refused_in_vietnamese(ws: Workspace) -> None:
    c = logged_in(ws, "hutg")
    reply = upload(c, ("bao-cao.pdf", b"MZ\x90\x00\x03" + os.urandom(4000)))
    assert reply.status_code == 415
    assert "là một chương trình máy tính (.exe), không phải phiếu" in reply.text
    nothing_received(ws)
    with st.open_store(ws.database_url).session() as s:
        (entry,) = st.audit_entries(s, action="web.upload")
    assert entry.actor == "hutg" and entry.detail["files"][0]["refused"]
    c.__exit__(None, None, None)


@pytest.mark.parametrize(
    "name",
    [
        "../../bontot.toml",
        "/etc/passwd.docx",
        "..\\..\\archive\\x.docx",
        "a\x00b/../../c.docx",
        "%2e%2e%2fbontot.toml",
    ],
)
def test_the_browser_file_name_is_never_a_path(ws: Workspace, tmp_path: Path, name: str) -> None:
    toml = (ws.root / "bontot.toml").read_bytes()
    blob = form_file(tmp_path, "f.docx", "HU-TG-01-02", "Chi bộ Thôn Bàu Sen 2").read_bytes()
    c = logged_in(ws, "tinh")
    reply = upload(c, (name, blob))
    assert reply.status_code == 303
    c.app.state.web.jobs.wait_idle()
    assert (ws.root / "bontot.toml").read_bytes() == toml
    with st.open_store(ws.database_url).session() as s:
        (source,) = [
            f
            for r in st.list_readings(s)
            if (f := st.accounts.get_source_file(s, r.source_file_id))
        ]
    assert source.original_name.startswith("web-") and "/" not in source.original_name
    assert ".." not in source.original_name and source.stored_path.startswith("archive/")
    assert not (ws.root.parent / "bontot.toml").exists()
    c.__exit__(None, None, None)


def test_uploaded_forms_are_read_like_the_inbox_and_the_page_polls(
    ws: Workspace, tmp_path: Path
) -> None:
    good = form_file(tmp_path, "tot.docx", "HU-TG-01-02", "Chi bộ Thôn Bàu Sen 2")
    bad = form_file(
        tmp_path,
        "sai.docx",
        "HU-TG-01-03",
        "Chi bộ Thôn Mỹ Khê 3",
        members_total=19,
        members_evaluated=19,
        rated_good=10,
    )
    c = logged_in(ws, "hutg")
    reply = upload(
        c,
        ("Báo cáo Bàu Sen.docx", good.read_bytes()),
        ("sai.docx", bad.read_bytes()),
        ("khong-phai.pdf", b"MZ" + bytes(100)),
    )
    assert reply.status_code == 303
    batch_url = reply.headers["location"]
    status = wait_done(c, batch_url)
    assert [f["state"] for f in status["files"]] == ["stored", "review", "refused"]
    page = c.get(batch_url).text
    assert "Báo cáo Bàu Sen.docx" in page and "Cần người kiểm tra" in page
    assert "chương trình máy tính" in page
    with st.open_store(ws.database_url).session() as s:
        stored = st.current_assessments(s, 2026)
        assert ("HU-TG-01-02", 2026) in stored and ("HU-TG-01-03", 2026) not in stored
        evaluated = st.current_evaluations(s, 2026)
    assert any(code == "HU-TG-01-02" for (code, _, _) in evaluated)
    assert list(ws.inbox.iterdir()) == []
    other = logged_in(ws, "tubd")
    assert other.get(batch_url).status_code == 404  # another committee's upload
    assert other.get("/api" + batch_url).status_code == 404
    c.__exit__(None, None, None)
    other.__exit__(None, None, None)


# --- the review desk --------------------------------------------------------------------------


def _flagged(ws: Workspace, tmp_path: Path) -> int:
    """A form whose four ratings do not add up: read, and put on the desk."""
    path = form_file(
        tmp_path,
        "sai.docx",
        "HU-TG-01-03",
        "Chi bộ Thôn Mỹ Khê 3",
        members_total=19,
        members_evaluated=19,
        rated_good=10,
    )
    shutil.copy(path, ws.inbox / "sai.docx")
    past = time.time() - 60
    os.utime(ws.inbox / "sai.docx", (past, past))
    (outcome,) = run_intake(ws).outcomes
    assert outcome.status == "review"
    with st.open_store(ws.database_url).session() as s:
        (reading,) = st.list_readings(s, unit_code="HU-TG-01-03")
    return reading.id


def _fields(html: str) -> dict[str, str]:
    data = dict(re.findall(r'<input name="(f_[a-z0-9_]+)" id="[^"]+" value="([^"]*)"', html))
    for name, body in re.findall(r'<select name="(f_[a-z0-9_]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        data[name] = chosen.group(1) if chosen else ""
    return data


def test_desk_correction_is_a_new_reading_and_changes_the_result(
    ws: Workspace, tmp_path: Path
) -> None:
    reading_id = _flagged(ws, tmp_path)
    c = logged_in(ws, "hutg")
    desk = c.get("/kiem-tra").text
    assert f'data-reading="{reading_id}"' in desk and "1 lỗi" in desk
    item = c.get(f"/kiem-tra/{reading_id}")
    assert item.status_code == 200 and "Xác nhận" in item.text
    assert "Tổng bốn mức xếp loại (14)" in item.text
    fields = _fields(item.text)
    assert fields["f_rated_good"] == "10"
    fields.update(
        csrf_token=token_of(item.text),
        form_code="02-TDG",
        f_rated_good="15",
        ghi_chu="Đã gọi điện cho đơn vị",
    )
    reply = c.post(f"/kiem-tra/{reading_id}/xac-nhan", data=fields)
    assert reply.status_code == 303
    new_id = int(reply.headers["location"].split("/")[2].split("?")[0])
    done = c.get(reply.headers["location"]).text
    assert "Đã xác nhận và lưu số liệu" in done
    assert f'data-reading="{reading_id}"' not in c.get("/kiem-tra").text
    with st.open_store(ws.database_url).session() as s:
        old, new = st.get_reading(s, reading_id), st.get_reading(s, new_id)
        assessment = st.current_assessments(s, 2026)[("HU-TG-01-03", 2026)]
        (entry,) = st.audit_entries(s, action="review.confirm")
        result = st.current_evaluations(s, 2026)[("HU-TG-01-03", 2026, ws.plan().id)]
    assert old.fields["rated_good"]["value"] == 10 and old.needs_review  # the machine's is kept
    assert new.supersedes_id == reading_id and new.actor == "hutg" and not new.needs_review
    assert new.fields["rated_good"] == {"value": 15, "confidence": 1.0, "raw": "15"}
    assert assessment.reading_id == new_id and assessment.actor == "hutg"
    assert entry.actor == "hutg" and entry.detail["changes"] == {"rated_good": [10, 15]}
    assert entry.detail["note"] == "Đã gọi điện cho đơn vị"
    assert result.four_good
    again = c.post(f"/kiem-tra/{reading_id}/xac-nhan", data=fields)
    assert again.status_code == 409 and "đã có người xử lý" in again.text
    c.__exit__(None, None, None)


def test_desk_refuses_bad_values_and_keeps_the_form(ws: Workspace, tmp_path: Path) -> None:
    reading_id = _flagged(ws, tmp_path)
    c = logged_in(ws, "tinh")
    item = c.get(f"/kiem-tra/{reading_id}").text
    fields = {
        **_fields(item),
        "csrf_token": token_of(item),
        "form_code": "02-TDG",
        "f_rated_good": "mười lăm",
        "f_signed_on": "31/02/2026",
    }
    reply = c.post(f"/kiem-tra/{reading_id}/xac-nhan", data=fields)
    assert reply.status_code == 400
    assert "phải là số nguyên không âm" in reply.text and "ngày/tháng/năm" in reply.text
    assert 'value="mười lăm"' in reply.text
    with st.open_store(ws.database_url).session() as s:
        assert len(st.list_readings(s)) == 1
    c.__exit__(None, None, None)


def test_a_correction_that_still_has_errors_stays_on_the_desk(
    ws: Workspace, tmp_path: Path
) -> None:
    reading_id = _flagged(ws, tmp_path)
    c = logged_in(ws, "hutg")
    item = c.get(f"/kiem-tra/{reading_id}").text
    fields = {
        **_fields(item),
        "csrf_token": token_of(item),
        "form_code": "02-TDG",
        "f_rated_good": "11",
    }
    reply = c.post(f"/kiem-tra/{reading_id}/xac-nhan", data=fields)
    new_id = int(reply.headers["location"].split("/")[2].split("?")[0])
    assert "vẫn còn lỗi" in c.get(reply.headers["location"]).text
    assert f'data-reading="{new_id}"' in c.get("/kiem-tra").text
    with st.open_store(ws.database_url).session() as s:
        assert ("HU-TG-01-03", 2026) not in st.current_assessments(s, 2026)
    c.__exit__(None, None, None)


def test_reject_needs_a_reason_and_takes_the_reading_off_the_desk(
    ws: Workspace, tmp_path: Path
) -> None:
    reading_id = _flagged(ws, tmp_path)
    c = logged_in(ws, "hutg")
    token = csrf(c)
    blank = c.post(f"/kiem-tra/{reading_id}/loai-bo", data={"csrf_token": token, "ly_do": " "})
    assert blank.status_code == 400 and "lý do" in blank.text
    assert (
        c.post(
            f"/kiem-tra/{reading_id}/loai-bo",
            data={"csrf_token": token, "ly_do": "Gửi nhầm bản nháp"},
        ).status_code
        == 303
    )
    assert f'data-reading="{reading_id}"' not in c.get("/kiem-tra").text
    with st.open_store(ws.database_url).session() as s:
        (entry,) = st.audit_entries(s, action="review.reject")
    assert entry.detail["reason"] == "Gửi nhầm bản nháp"
    c.__exit__(None, None, None)


def test_another_committee_cannot_see_or_touch_a_reading(ws: Workspace, tmp_path: Path) -> None:
    reading_id = _flagged(ws, tmp_path)
    c = logged_in(ws, "tubd")
    assert f'data-reading="{reading_id}"' not in c.get("/kiem-tra").text
    for path in (
        f"/kiem-tra/{reading_id}",
        f"/kiem-tra/{reading_id}/ban-goc",
        f"/kiem-tra/{reading_id}/trang/0.png",
    ):
        assert c.get(path).status_code == 404, path
    item = {"csrf_token": csrf(c), "form_code": "02-TDG", "f_rated_good": "15"}
    assert c.post(f"/kiem-tra/{reading_id}/xac-nhan", data=item).status_code == 404
    c.__exit__(None, None, None)
    own = logged_in(ws, "hutg")
    original = own.get(f"/kiem-tra/{reading_id}/ban-goc")
    assert original.status_code == 200 and original.content[:2] == b"PK"
    own.__exit__(None, None, None)


def test_a_committee_cannot_move_a_form_to_a_unit_outside_its_scope(
    ws: Workspace, tmp_path: Path
) -> None:
    reading_id = _flagged(ws, tmp_path)
    c = logged_in(ws, "hutg")
    item = c.get(f"/kiem-tra/{reading_id}").text
    fields = {
        **_fields(item),
        "csrf_token": token_of(item),
        "form_code": "02-TDG",
        "f_rated_good": "15",
        "f_unit_code": "TU-BD-01",
    }
    reply = c.post(f"/kiem-tra/{reading_id}/xac-nhan", data=fields)
    assert reply.status_code == 400 and "không thuộc phạm vi" in reply.text
    c.__exit__(None, None, None)


# --- results and overrides --------------------------------------------------------------------


def test_override_needs_a_reason_and_changes_the_result(ws: Workspace) -> None:
    plan_id = ws.plan().id
    with st.open_store(ws.database_url).session() as s:
        before = st.current_evaluations(s, 2024)[("HU-TG-01-02", 2024, plan_id)]
    target = "khong-dat" if before.result["criteria"]["t1"]["met"] else "dat"
    c = logged_in(ws, "hutg")
    token = csrf(c)
    form = {"csrf_token": token, "nam": "2024", "tieu_chi": "t1", "ket_qua": target, "ly_do": "  "}
    assert c.post("/don-vi/HU-TG-01-02/dieu-chinh", data=form).status_code == 400
    form["ly_do"] = "Biên bản kiểm tra của Ban Thường vụ ngày 10/12/2024"
    assert c.post("/don-vi/HU-TG-01-02/dieu-chinh", data=form).status_code == 303
    with st.open_store(ws.database_url).session() as s:
        after = st.current_evaluations(s, 2024)[("HU-TG-01-02", 2024, plan_id)]
    assert after.result["criteria"]["t1"]["met"] is (target == "dat")
    assert "Biên bản kiểm tra" in c.get("/don-vi/HU-TG-01-02?nam=2024").text
    c.__exit__(None, None, None)
    below = logged_in(ws, "xa-bakhe")  # a đảng bộ cơ sở does not recognise its chi bộ
    page = below.get("/don-vi/HU-TG-01-02?nam=2024").text
    assert "override-form" not in page
    form["csrf_token"] = csrf(below)
    assert below.post("/don-vi/HU-TG-01-02/dieu-chinh", data=form).status_code == 403
    below.__exit__(None, None, None)
    other = logged_in(ws, "tubd")
    form["csrf_token"] = csrf(other)
    assert other.post("/don-vi/HU-TG-01-02/dieu-chinh", data=form).status_code == 404
    other.__exit__(None, None, None)


def test_results_list_only_the_committees_units(ws: Workspace) -> None:
    c = logged_in(ws, "hutg")
    page = c.get("/ket-qua", params={"nam": "2024"}).text
    assert "HU-TG-01-02" in page and "TU-BD-01" not in page
    c.__exit__(None, None, None)


# --- status -----------------------------------------------------------------------------------


def test_status_shows_deadlines_missing_units_and_runs_from_the_store(ws: Workspace) -> None:
    c = logged_in(ws, "hutg", prefect_api_url="http://127.0.0.1:9/api", prefect_timeout_s=0.5)
    page = c.get("/tinh-hinh", params={"nam": "2026"}).text
    assert "Hạn sắp tới" in page and "Mẫu 02-TĐG" in page
    assert "HU-TG-01-02" in page and "TU-BD-01" not in page  # missing, own committee only
    assert "Không lấy được danh sách lần chạy từ Prefect" in page
    assert "Xét kết quả (evaluate)" in page
    c.__exit__(None, None, None)


def test_flow_runs_come_from_prefect_when_it_answers() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/flow_runs/filter"):
            return httpx.Response(
                200,
                json=[
                    {
                        "name": "sly-fox",
                        "flow_id": "f1",
                        "state_type": "COMPLETED",
                        "start_time": "2026-11-27T01:00:00Z",
                        "end_time": "2026-11-27T01:02:00Z",
                    }
                ],
            )
        return httpx.Response(200, json=[{"id": "f1", "name": "intake"}])

    client = httpx.Client(transport=httpx.MockTransport(answer))
    (run,) = status_facts.prefect_runs("http://prefect/api", 1.0, client=client)
    assert run.name == "intake / sly-fox" and run.state == "Xong"
    assert run.started == dt.datetime(2026, 11, 27, 1, tzinfo=dt.UTC)


def test_deadlines_and_the_current_year_follow_the_plan(ws: Workspace) -> None:
    plan = ws.plan()
    upcoming = status_facts.deadlines(plan, dt.date(2026, 11, 27))
    assert upcoming[0].day < dt.date(2026, 11, 27) <= upcoming[1].day
    assert upcoming[1].day == dt.date(2026, 12, 31)
    assert status_facts.current_year(plan, dt.date(2026, 11, 27)) == 2026
    assert status_facts.current_year(plan, dt.date(2027, 1, 5)) == 2027


# --- the command line -------------------------------------------------------------------------


def bontot(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *args: str,
    stdin: str = "",
) -> tuple[int, str, str]:
    """``bontot ARGS`` in this process: (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    monkeypatch.setenv("COLUMNS", "200")
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_user_add_list_disable_from_the_command_line(
    ws: Workspace, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = str(ws.root)

    def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        return bontot(capsys, monkeypatch, *args, stdin=stdin)

    code, out, err = run(
        "user",
        "add",
        root,
        "Thu-Ky.DUK",
        "--role",
        "committee",
        "--unit",
        "DUK",
        "--password-stdin",
        stdin="mat-khau-moi-1\n",
    )
    assert code == 0, err
    assert "Đã tạo tài khoản thu-ky.duk (đơn vị DUK và trực thuộc)" in out
    code, _, err = run(
        "user", "add", root, "a2", "--role", "province", "--password-stdin", stdin="ngan\n"
    )
    assert code == 2 and "ít nhất 8 ký tự" in err
    code, _, err = run(
        "user",
        "add",
        root,
        "a3",
        "--role",
        "committee",
        "--unit",
        "KHONG-CO",
        "--password-stdin",
        stdin="mat-khau-moi-1\n",
    )
    assert code == 2 and "không có trong danh sách" in err
    code, _, err = run(
        "user",
        "add",
        root,
        "a4",
        "--role",
        "committee",
        "--password-stdin",
        stdin="mat-khau-moi-1\n",
    )
    assert code == 2 and "--unit" in err
    code, out, _ = run("user", "list", root)
    assert code == 0 and "thu-ky.duk" in out and "DUK" in out
    with make_client(ws) as c:
        assert login(c, "thu-ky.duk", "mat-khau-moi-1").status_code == 303
        assert run("user", "disable", root, "thu-ky.duk")[0] == 0
        assert c.get("/van-ban").status_code == 303  # the open session ended with the account
        assert login(c, "thu-ky.duk", "mat-khau-moi-1").status_code == 401
    with st.open_store(ws.database_url).session() as s:
        (found,) = [u for u in st.accounts.list_users(s) if u.username == "thu-ky.duk"]
        stored = st.accounts.find_login(s, "thu-ky.duk")
    assert found.role == "committee" and not found.active
    assert stored is not None and stored[1].startswith("$argon2id$")


# --- regressions ------------------------------------------------------------------------------


def test_regression_a_session_touch_is_not_refused_by_a_write_committed_meanwhile(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under load, downloads failed with "database is locked": the session was read and then
    its "last seen" written in one SQLite transaction, which SQLite refuses at once when another
    connection commits in between.  The write now has a transaction of its own."""
    from bontot.web.auth import token_id

    c = logged_in(ws, "tinh")
    sid = token_id(c.cookies["bontot_session"])
    store = st.open_store(ws.database_url)
    with store.session() as s:  # last seen two minutes ago: the next request writes it
        st.accounts.touch_web_session(s, sid, dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2))
    other = st.open_store(ws.database_url)  # another connection, as another request's
    read = st.accounts.get_web_session

    def read_then_someone_writes(session: Any, session_id: str) -> Any:
        found = read(session, session_id)
        with other.session() as s:
            st.audit(s, "khac", "web.download", "x", None)
        return found

    monkeypatch.setattr(st.accounts, "get_web_session", read_then_someone_writes)
    assert c.get("/van-ban").status_code == 200
    monkeypatch.setattr(st.accounts, "get_web_session", read)
    with store.session() as s:
        seen = st.accounts.get_web_session(s, sid)
    assert seen is not None and dt.datetime.now(dt.UTC) - seen[0].last_seen_at < dt.timedelta(
        seconds=30
    )
    c.__exit__(None, None, None)


# --- the picture of each field of a scan ------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract is not installed")
def test_scanned_form_shows_each_field_as_the_page_showed_it(ws: Workspace, tmp_path: Path) -> None:
    """The intake keeps each field's crop beside the archived original; the desk shows it to the
    committee of the unit and to nobody else, and serves nothing outside the archive."""
    from tests.scancorpus import GOLDEN_DIR, golden_file

    scan = golden_file(GOLDEN_DIR / "clean-300-bilevel-02.json", tmp_path)  # unit HU-TG-06-03
    dropped = ws.inbox / "ban-quet.pdf"
    shutil.copyfile(scan, dropped)
    past = time.time() - 60
    os.utime(dropped, (past, past))
    report = run_intake(ws)
    assert [o.status for o in report.outcomes] in (["stored"], ["review"])
    with st.open_store(ws.database_url).session() as s:
        reading = [r for r in st.list_readings(s) if r.unit_code == "HU-TG-06-03"][-1]
    crops = {k: f["crop"] for k, f in reading.fields.items() if "crop" in f}
    assert {"members_total", "rated_good", "members_evaluated"} <= crops.keys(), crops.keys()
    for rel in crops.values():
        path = (ws.root / rel).resolve()
        assert path.is_relative_to(ws.archive.resolve()) and path.read_bytes()[:4] == b"\x89PNG"
    c = logged_in(ws, "hutg")
    page = c.get(f"/kiem-tra/{reading.id}").text
    shown = set(re.findall(rf'src="/kiem-tra/{reading.id}/anh/([a-z0-9_]+)\.png"', page))
    assert "members_total" in shown and shown <= crops.keys()
    image = c.get(f"/kiem-tra/{reading.id}/anh/members_total.png")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.content == (ws.root / crops["members_total"]).read_bytes()
    assert c.get(f"/kiem-tra/{reading.id}/anh/khong_co.png").status_code == 404
    assert c.get(f"/kiem-tra/{reading.id}/anh/..%2F..%2Fbontot.png").status_code == 404
    other = logged_in(ws, "tubd")
    assert other.get(f"/kiem-tra/{reading.id}/anh/members_total.png").status_code == 404
