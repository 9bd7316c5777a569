"""The web desk as an ASGI application: ``create_app(workspace)``; ``bontot web`` serves it.

Pages are rendered on the server (Jinja2, autoescaped) and work without JavaScript; the only
script polls an upload's status.  Everything a page does goes through the same functions as the
CLI (intake, validation, the store, the evaluation).  Two small ASGI layers wrap every request:
a body limit (413 before anything is stored) and the security headers.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment
from starlette.exceptions import HTTPException as StarletteHTTPException

from bontot import store as st
from bontot.errors import BontotError
from bontot.plan import Plan
from bontot.web.access import RosterCache
from bontot.web.auth import Passwords
from bontot.web.jobs import IntakeJobs
from bontot.web.render import STATIC, environment
from bontot.web.settings import MB, WebSettings
from bontot.workspace import Workspace

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    401: "Cần đăng nhập.",
    403: "Yêu cầu bị từ chối: biểu mẫu đã cũ hoặc thiếu mã bảo vệ. Hãy tải lại trang rồi làm lại.",
    404: "Không tìm thấy trang hoặc tệp này (hoặc tài khoản không có quyền xem).",
    405: "Thao tác này không dùng được ở địa chỉ này.",
    413: "Dữ liệu gửi lên quá lớn.",
    415: "Loại tệp không được nhận.",
    429: "Thao tác quá nhiều lần; hãy chờ một lúc rồi thử lại.",
}


@dataclass
class WebState:
    """What every request shares: the workspace, its store, the settings and the workers."""

    ws: Workspace
    store: st.Store
    settings: WebSettings
    env: Environment
    passwords: Passwords
    roster: RosterCache
    jobs: IntakeJobs
    _plan: tuple[float, Plan] | None = field(default=None, repr=False)
    _plan_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def plan(self) -> Plan:
        """The plan, read again when its file changes."""
        path = self.ws.plan_path
        mtime = path.stat().st_mtime if path.exists() else 0.0
        with self._plan_lock:
            if self._plan is None or self._plan[0] != mtime:
                self._plan = (mtime, self.ws.plan())
            return self._plan[1]


class LoginRequired(Exception):
    """No live session: pages send the browser to the login form, the API answers 401."""


class BodyLimit:
    """Refuse a request body over the limit with 413, before the application reads any of it
    (by Content-Length), or as soon as a streamed body passes it."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"").decode() or None
        if declared is not None and (not declared.isdecimal() or int(declared) > self.limit):
            await self._refuse(send)
            return
        seen, over, started = 0, False, False

        async def counted() -> dict:
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    over = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: dict) -> None:
            nonlocal started
            if over and message["type"] == "http.response.start" and not started:
                started = True
                await self._refuse(send)
                return
            if over:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not over:
                raise
        if over and not started:
            await self._refuse(send)

    async def _refuse(self, send: Any) -> None:
        body = (
            "<!doctype html><meta charset=utf-8><title>Quá lớn</title>"
            f"<p>Dữ liệu gửi lên quá lớn: mỗi lần gửi tối đa {self.limit // MB} MB. "
            "Hãy gửi ít tệp hơn mỗi lần.</p>"
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """The same protective headers on every response; nothing but static files is cached."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith("/static/")

        async def with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                names = {k.lower() for k, _ in headers}
                extra = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"same-origin"),
                    (b"content-security-policy", CSP.encode()),
                    (b"cache-control", b"max-age=3600" if static else b"no-store"),
                ]
                headers += [(k, v) for k, v in extra if k not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def web_state(request: Request) -> WebState:
    return request.app.state.web


def _error_page(request: Request, status: int, message: str | None = None) -> HTMLResponse:
    env: Environment = request.app.state.web.env
    text = message or MESSAGES.get(status, "Có lỗi xảy ra.")
    html = env.get_template("error.html").render(
        status=status, message=text, me=None, csrf="", path=""
    )
    return HTMLResponse(html, status_code=status)


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _exc: LoginRequired) -> Any:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "Cần đăng nhập."}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        return RedirectResponse(f"/dang-nhap?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Any:
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail else None
        if detail in ("Not Found", "Method Not Allowed", "Forbidden", "Bad Request"):
            detail = None
        if request.url.path.startswith("/api/"):
            text = detail or MESSAGES.get(exc.status_code, "Có lỗi xảy ra.")
            return JSONResponse({"detail": text}, status_code=exc.status_code)
        return _error_page(request, exc.status_code, detail)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, _exc: RequestValidationError) -> Any:
        return _error_page(request, 400, "Địa chỉ hoặc dữ liệu gửi lên không hợp lệ.")

    @app.exception_handler(BontotError)
    async def _domain(request: Request, exc: BontotError) -> Any:
        return _error_page(request, 400, exc.message)


def create_app(ws: Workspace, settings: WebSettings | dict[str, Any] | None = None) -> FastAPI:
    """The web desk over one workspace (its store is opened, and migrated, here)."""
    from bontot.web.pages import documents, login, results, review, status, upload

    settings = WebSettings.resolve(settings)
    store = st.open_store(ws.database_url)
    state = WebState(
        ws=ws,
        store=store,
        settings=settings,
        env=environment(),
        passwords=Passwords(settings),
        roster=RosterCache(store),
        jobs=IntakeJobs(ws, evaluate=settings.evaluate_after_change),
    )

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        state.jobs.shutdown()
        store.close()

    app = FastAPI(
        title="bontot", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    app.state.web = state
    _install_handlers(app)
    app.mount("/static", StaticFiles(directory=Path(STATIC)), name="static")
    for module in (login, documents, upload, review, results, status):
        app.include_router(module.router)
    app.add_middleware(BodyLimit, limit=settings.max_request_bytes)
    app.add_middleware(SecurityHeaders)  # added last: outermost, so even a 413 carries them
    return app
