"""Logging in and out.

The login form has its own CSRF token (a cookie and a hidden field that must match), since there
is no session yet; a wrong password and a held-back account get the same kind of answer, and the
account's existence is never told.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import unquote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from bontot.web import auth
from bontot.web.app import web_state
from bontot.web.pages import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    client_ip,
    is_https,
    page,
    posted,
    principal,
    same_origin,
)

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Where to go after login: a path of this site only."""
    target = unquote(target or "")
    if (
        not target.startswith("/")
        or target.startswith(("//", "/\\"))
        or any(c in target for c in "\r\n\\")
        or len(target) > 500
    ):
        return "/"
    return target


def _login_page(
    request: Request, status: int = 200, message: str = "", username: str = "", target: str = "/"
) -> Response:
    token = auth.new_token()
    response = page(
        request,
        "login.html",
        None,
        status,
        login_token=token,
        message=message,
        username=username,
        next=target,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=3600,
        path="/dang-nhap",
        httponly=True,
        samesite="strict",
        secure=is_https(request),
    )
    return response


@router.get("/dang-nhap")
def login_form(request: Request, next: str = "/") -> Response:
    return _login_page(request, target=safe_next(next))


@router.post("/dang-nhap")
async def login_submit(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=10)
    token = form.get("csrf_token")
    if not same_origin(request) or not auth.same_token(
        request.cookies.get(LOGIN_COOKIE), token if isinstance(token, str) else None
    ):
        raise HTTPException(403)
    username, password = str(form.get("username", ""))[:100], str(form.get("password", ""))
    target = safe_next(str(form.get("next", "/")))
    web = web_state(request)
    result = await run_in_threadpool(
        auth.login,
        web.store,
        web.settings,
        web.passwords,
        username,
        password[:1000],
        client_ip(request),
    )
    if result.wait_seconds:
        minutes = max(1, (result.wait_seconds + 59) // 60)
        return _login_page(
            request,
            429,
            f"Đã đăng nhập sai nhiều lần. Hãy chờ khoảng {minutes} "
            "phút rồi thử lại, hoặc nhờ quản trị viên kiểm tra tài khoản.",
            username,
            target,
        )
    if not result.ok or result.token is None:
        return _login_page(
            request, 401, "Tên đăng nhập hoặc mật khẩu không đúng.", username, target
        )
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        result.token,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(request),
    )
    response.delete_cookie(LOGIN_COOKIE, path="/dang-nhap")
    return response


@router.post("/dang-xuat")
async def logout(request: Request, who: Annotated[auth.Principal, Depends(principal)]) -> Response:
    await posted(request, who, max_files=0, max_fields=5)
    await run_in_threadpool(auth.logout, web_state(request).store, who)
    response = RedirectResponse("/dang-nhap", status_code=303)
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=is_https(request)
    )
    return response


@router.get("/")
def home(who: Annotated[auth.Principal, Depends(principal)]) -> Response:
    return RedirectResponse("/van-ban", status_code=303)
