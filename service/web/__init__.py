"""The link worker's web pages, served by the same app as the API (server-rendered, htmx-enhanced)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from service.web import dashboard, directory, login, outcome_forms, pages
from service.web.render import page
from service.web.session import (
    CrossSiteRequest,
    LoginRequired,
    PageForbidden,
    login_url,
)


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    for module in (login, pages, outcome_forms, directory, dashboard):
        app.include_router(module.router)
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(PageForbidden, _forbidden)
    app.add_exception_handler(CrossSiteRequest, _cross_site)


async def _login_required(request: Request, exc: LoginRequired) -> RedirectResponse:
    return RedirectResponse(login_url(exc.next_path), status_code=303)


async def _forbidden(request: Request, exc: PageForbidden) -> HTMLResponse:
    from service.deps import record

    record(request, exc.user, "denied", "page", request.url.path, detail=exc.permission)
    return page(request, "error.html", exc.user, status_code=403, title="Not allowed",
                message=f"Your role ({exc.user.role.replace('_', ' ')}) cannot open this page.")


async def _cross_site(request: Request, exc: CrossSiteRequest) -> HTMLResponse:
    return page(request, "error.html", None, status_code=403, title="Refused",
                message="This form was sent from another site, so it was refused.")
