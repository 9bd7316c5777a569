"""The routes, one module per concern; helpers every page uses are here.

``principal`` is the dependency that names the person behind a request (or sends them to the
login form); ``posted`` reads a POSTed form and refuses it (403) unless it carries the session's
CSRF token and, when the browser says where it comes from, comes from this site.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from bontot.web import auth
from bontot.web.access import scope_of
from bontot.web.app import LoginRequired, WebState, web_state

SESSION_COOKIE = "bontot_session"
LOGIN_COOKIE = "bontot_login"


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "-"


def is_https(request: Request) -> bool:
    mode = web_state(request).settings.secure_cookies
    return mode == "always" or (mode == "auto" and request.url.scheme == "https")


def principal(request: Request) -> auth.Principal:
    """The logged-in person (a FastAPI dependency); LoginRequired when there is none."""
    web = web_state(request)
    found = auth.session_of(web.store, web.settings, request.cookies.get(SESSION_COOKIE))
    if found is None:
        raise LoginRequired()
    session, user = found
    return auth.Principal(user, session, scope_of(user, web.roster.tree()))


def same_origin(request: Request) -> bool:
    """False when the browser says the request comes from another site."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc.lower() == request.headers.get("host", "").lower()


async def posted(request: Request, who: auth.Principal, **limits: Any) -> FormData:
    """The POSTed form, after the CSRF checks (403 when they fail)."""
    form = await request.form(**limits)
    token = form.get("csrf_token")
    if not same_origin(request) or not auth.same_token(
        who.session.csrf_token, token if isinstance(token, str) else None
    ):
        await form.close()
        raise HTTPException(403)
    return form


def page(
    request: Request,
    template: str,
    who: auth.Principal | None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    web: WebState = web_state(request)
    html = web.env.get_template(template).render(
        me=who, csrf=who.session.csrf_token if who else "", path=request.url.path, **context
    )
    return HTMLResponse(html, status_code=status)


def not_found() -> HTTPException:
    return HTTPException(404)
