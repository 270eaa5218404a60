"""Signing in to the pages: the access token is exchanged for an HttpOnly, SameSite=Strict cookie;
page requests are checked against the same roles as the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request

from triage.access import allowed
from triage.store.users import User

COOKIE = "triage_session"
MAX_AGE_S = 8 * 3600  # one working day


class LoginRequired(Exception):
    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class PageForbidden(Exception):
    def __init__(self, user: User, permission: str) -> None:
        self.user = user
        self.permission = permission


class CrossSiteRequest(Exception):
    pass


def page_user(request: Request) -> User:
    token = request.cookies.get(COOKIE)
    user = request.app.state.users.authenticate(token) if token else None
    if user is None:
        raise LoginRequired(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    if request.method == "POST":
        same_origin(request)
    return user


def same_origin(request: Request) -> None:
    """A form post must come from our own pages (the cookie is SameSite=Strict; this checks Origin too)."""
    origin = request.headers.get("origin")
    if origin and origin.split("://", 1)[-1] != request.headers.get("host", ""):
        raise CrossSiteRequest


def page_require(permission: str) -> Callable[..., User]:
    def check(request: Request, user: Annotated[User, Depends(page_user)]) -> User:
        if not allowed(user.role, permission):
            raise PageForbidden(user, permission)
        return user

    return check


def login_url(next_path: str) -> str:
    return f"/login?next={quote(next_path, safe='')}"


def safe_next(next_path: str | None) -> str:
    """Only paths on this site: never an open redirect."""
    if not next_path or not next_path.startswith("/") or next_path.startswith("//"):
        return "/"
    return next_path


PageUser = Annotated[User, Depends(page_user)]
