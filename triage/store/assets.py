"""The asset repository: whole-batch writes in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import sessionmaker

from triage.schemas import Asset
from triage.store.db import AssetRow


@dataclass(frozen=True)
class StoredAsset:
    pk: int
    asset: Asset


@dataclass(frozen=True)
class WriteResult:
    added: list[StoredAsset]
    updated: list[StoredAsset]
    removed: list[int]  # pks


class AssetRepository:
    def __init__(self, sessions: sessionmaker) -> None:
        self.sessions = sessions

    def count(self) -> int:
        with self.sessions() as session:
            return int(session.scalar(select(func.count()).select_from(AssetRow)) or 0)

    def all(self) -> list[StoredAsset]:
        with self.sessions() as session:
            rows = session.scalars(select(AssetRow).order_by(AssetRow.pk)).all()
            return [_stored(row) for row in rows]

    def get(self, asset_id: str) -> StoredAsset | None:
        with self.sessions() as session:
            row = session.scalar(select(AssetRow).where(AssetRow.asset_id == asset_id))
            return _stored(row) if row else None

    def by_pks(self, pks: Sequence[int]) -> dict[int, Asset]:
        with self.sessions() as session:
            rows = session.scalars(select(AssetRow).where(AssetRow.pk.in_(list(pks)))).all()
            return {row.pk: Asset.model_validate(row.data) for row in rows}

    def upsert(self, assets: Sequence[Asset], *, replace: bool = False) -> WriteResult:
        """Add or update assets by id; with replace, remove every asset not in the batch."""
        added, updated, removed = [], [], []
        with self.sessions.begin() as session:
            existing = {row.asset_id: row for row in session.scalars(select(AssetRow))}
            if replace:
                keep = {a.id for a in assets}
                gone = [row for aid, row in existing.items() if aid not in keep]
                removed = [row.pk for row in gone]
                if removed:
                    session.execute(delete(AssetRow).where(AssetRow.pk.in_(removed)))
            new_rows = []
            for asset in assets:
                data = asset.model_dump(mode="json")
                row = existing.get(asset.id)
                if row is None:
                    row = AssetRow(asset_id=asset.id, data=data)
                    session.add(row)
                    new_rows.append((row, asset))
                elif row.data != data:
                    row.data = data
                    updated.append(StoredAsset(row.pk, asset))
            session.flush()
            added = [StoredAsset(row.pk, asset) for row, asset in new_rows]
        return WriteResult(added, updated, removed)

    def remove(self, asset_id: str) -> int | None:
        with self.sessions.begin() as session:
            row = session.scalar(select(AssetRow).where(AssetRow.asset_id == asset_id))
            if row is None:
                return None
            session.delete(row)
            return row.pk


def _stored(row: AssetRow) -> StoredAsset:
    return StoredAsset(row.pk, Asset.model_validate(row.data))
