"""Sign in with an access token, sign out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from service.web.render import page
from service.web.session import COOKIE, MAX_AGE_S, safe_next, same_origin

router = APIRouter(include_in_schema=False)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return page(request, "login.html", None, next=safe_next(next), error="")


@router.post("/login", response_model=None)
def login(request: Request, token: Annotated[str, Form(max_length=200)] = "",
          next: Annotated[str, Form(max_length=2000)] = "/") -> HTMLResponse | RedirectResponse:
    same_origin(request)
    user = request.app.state.users.authenticate(token.strip()) if token.strip() else None
    if user is None:
        return page(request, "login.html", None, status_code=401, next=safe_next(next),
                    error="That access token is not valid or has been revoked. Ask your administrator for a new one.")
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(COOKIE, token.strip(), max_age=MAX_AGE_S, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")
    return response


@router.post("/logout")
def logout(request: Request) -> RedirectResponse:
    same_origin(request)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response
