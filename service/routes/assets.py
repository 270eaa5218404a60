"""The community asset directory: list, search, get, create, update, delete, import."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from service.deps import Engine, NeedId, require
from triage.schemas import Asset
from triage.store.users import User

router = APIRouter(prefix="/assets", tags=["assets"])
Reader = Annotated[User, Depends(require("assets:read"))]
Writer = Annotated[User, Depends(require("assets:write"))]
IMPORT_TYPES = {"text/csv": ".csv", "application/json": ".json", "application/fhir+json": ".json"}


class AssetPage(BaseModel):
    items: list[Asset]
    total: int
    offset: int
    limit: int


class AssetHitOut(BaseModel):
    asset: Asset
    similarity: float


class ImportSummary(BaseModel):
    added: int
    updated: int
    removed: int
    total: int
    warnings: list[str]


@router.get("", response_model=AssetPage)
def list_assets(engine: Engine, user: Reader, need: NeedId | None = None,
                offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
                limit: Annotated[int, Query(ge=1, le=200)] = 50) -> AssetPage:
    items, total = engine.assets.list(need=need, offset=offset, limit=limit)
    return AssetPage(items=items, total=total, offset=offset, limit=limit)


@router.get("/search", response_model=list[AssetHitOut])
def search_assets(engine: Engine, user: Reader, q: Annotated[str, Query(min_length=1, max_length=500)],
                  need: NeedId | None = None, limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[AssetHitOut]:
    """The assets closest in meaning to `q`."""
    return [AssetHitOut(asset=h.asset, similarity=h.similarity) for h in engine.assets.search(q, need=need, limit=limit)]


@router.get("/{asset_id}", response_model=Asset, responses={404: {"description": "no such asset"}})
def get_asset(engine: Engine, user: Reader, asset_id: str) -> Asset:
    return engine.assets.get(asset_id)


@router.post("", response_model=Asset, status_code=201, responses={409: {"description": "the id is taken"}})
def create_asset(engine: Engine, user: Writer, asset: Asset, response: Response) -> Asset:
    """Add an asset; without needs, they are inferred from its description."""
    created = engine.assets.create(asset)
    response.headers["Location"] = f"/v1/assets/{quote(created.id, safe='')}"  # headers are latin-1: encode the id
    return created


@router.put("/{asset_id}", response_model=Asset, responses={404: {"description": "no such asset"}})
def update_asset(engine: Engine, user: Writer, asset_id: str, asset: Asset) -> Asset:
    if asset.id != asset_id:
        raise HTTPException(422, f"field 'id': '{asset.id}' does not match the asset in the path '{asset_id}'")
    return engine.assets.update(asset)


@router.delete("/{asset_id}", status_code=204, responses={404: {"description": "no such asset"}})
def delete_asset(engine: Engine, user: Writer, asset_id: str) -> Response:
    engine.assets.delete(asset_id)
    return Response(status_code=204)


@router.post("/import", response_model=ImportSummary,
             responses={400: {"description": "invalid rows or records: each is named; nothing was written"},
                        415: {"description": "the content type is not CSV or JSON"}},
             openapi_extra={"requestBody": {"required": True, "content": {
                 "text/csv": {"schema": {"type": "string"}},
                 "application/json": {"schema": {"type": "object"}}}}})
async def import_assets(request: Request, engine: Engine, user: Writer,
                        replace: Annotated[bool, Query(description="remove assets not in the file")] = False,
                        format: Annotated[Literal["auto", "csv", "openreferral"], Query()] = "auto") -> ImportSummary:
    """Our CSV (`text/csv`) or Open Referral UK JSON (`application/json`); all or nothing."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in IMPORT_TYPES:
        raise HTTPException(415, f"content-type '{media}' is not importable; send one of {', '.join(IMPORT_TYPES)}")
    body = await request.body()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{IMPORT_TYPES[media]}"
        path.write_bytes(body)
        report = await run_in_threadpool(engine.import_assets, path, replace=replace, fmt=format)
    return ImportSummary(added=report.added, updated=report.updated, removed=report.removed, total=report.total,
                         warnings=list(report.warnings))
