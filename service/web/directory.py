"""The directory pages: search, view, add, edit and import community assets."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from service.web.render import page
from service.web.session import page_require
from triage.errors import TriageError, describe_validation_error
from triage.outcomes.uptake import asset_uptake_rows
from triage.schemas import Asset
from triage.store.users import User
from triage.taxonomy import NEED_IDS

router = APIRouter(prefix="/directory", include_in_schema=False)
Reader = Annotated[User, Depends(page_require("assets:read"))]
Writer = Annotated[User, Depends(page_require("assets:write"))]
LIST_FIELDS = ("needs", "delivery", "languages")


@router.get("", response_class=HTMLResponse)
def directory(request: Request, user: Reader, q: Annotated[str, Query(max_length=500)] = "", need: str = "",
              offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0, message: str = "") -> HTMLResponse:
    assets = request.app.state.engine.assets
    need = need if need in NEED_IDS else ""
    if q.strip():
        hits = assets.search(q, need=need or None, limit=25)
        items, total = [h.asset for h in hits], len(hits)
    else:
        items, total = assets.list(need=need or None, offset=offset, limit=50)
    table = request.app.state.engine.uptake()
    uptake = {row.asset_id: row for row in asset_uptake_rows(table, items)}
    need_rows = [(n, table.needs[n]) for n in NEED_IDS if n in table.needs]
    return page(request, "directory.html", user, items=items, total=total, q=q, need=need, offset=offset,
                message=message, uptake=uptake, need_uptake=need_rows)


@router.get("/new", response_class=HTMLResponse)
def new_asset(request: Request, user: Writer) -> HTMLResponse:
    return page(request, "asset_form.html", user, asset=None, values={}, errors=[])


@router.get("/{asset_id}", response_class=HTMLResponse)
def view_asset(request: Request, user: Reader, asset_id: str) -> HTMLResponse:
    engine = request.app.state.engine
    asset = engine.assets.get(asset_id)
    return page(request, "asset.html", user, asset=asset, uptake=asset_uptake_rows(engine.uptake(), [asset])[0])


@router.get("/{asset_id}/edit", response_class=HTMLResponse)
def edit_asset(request: Request, user: Writer, asset_id: str) -> HTMLResponse:
    asset = request.app.state.engine.assets.get(asset_id)
    return page(request, "asset_form.html", user, asset=asset, values=_form_values(asset), errors=[])


@router.post("/save", response_model=None)
async def save_asset(request: Request, user: Writer) -> HTMLResponse | RedirectResponse:
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    existing = values.pop("existing_id", "")
    assets = request.app.state.engine.assets
    try:
        asset = Asset.model_validate(_asset_data(values, form.getlist("needs")))
        save = assets.update if existing == asset.id else assets.create
        saved = await run_in_threadpool(save, asset)  # embedding the asset: off the event loop
    except ValidationError as e:
        errors = [describe_validation_error(x) for x in e.errors()]
        return page(request, "asset_form.html", user, status_code=422, asset=None, values=values, errors=errors,
                    existing_id=existing)
    except TriageError as e:
        return page(request, "asset_form.html", user, status_code=409, asset=None, values=values, errors=[str(e)],
                    existing_id=existing)
    return RedirectResponse(f"/directory/{saved.id}", status_code=303)


@router.post("/import", response_model=None)
async def import_directory(request: Request, user: Writer, file: UploadFile,
                           replace: Annotated[bool, Form()] = False) -> RedirectResponse:
    from urllib.parse import quote

    suffix = ".json" if (file.filename or "").lower().endswith(".json") else ".csv"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(await file.read())
        try:
            report = await run_in_threadpool(request.app.state.engine.import_assets, path, replace=replace)
        except TriageError as e:
            return RedirectResponse(f"/directory?message={quote('Import refused, nothing was written: ' + str(e)[:400])}",
                                    status_code=303)
    message = f"Imported: {report.added} added, {report.updated} updated, {report.removed} removed"
    if report.warnings:
        message += f"; {len(report.warnings)} warning(s): " + "; ".join(report.warnings[:3])
    return RedirectResponse(f"/directory?message={quote(message[:600])}", status_code=303)


def _asset_data(values: dict[str, str], needs: list) -> dict:  # type: ignore[type-arg]
    data: dict = {k: v.strip() for k, v in values.items() if v.strip() and k not in LIST_FIELDS}
    data["needs"] = [str(n) for n in needs]
    for key in ("delivery", "languages"):
        data[key] = [p.strip() for p in values.get(key, "").replace(";", ",").split(",") if p.strip()]
    return data


def _form_values(asset: Asset) -> dict[str, str]:
    values = {k: "" if v is None else str(v) for k, v in asset.model_dump().items() if k not in LIST_FIELDS}
    values |= {"delivery": ", ".join(asset.delivery), "languages": ", ".join(asset.languages)}
    return values
