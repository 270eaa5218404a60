"""Stateless auto-categorisation for referrers: nothing is stored."""

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query

from service.deps import Engine, require
from triage.schemas import ReferralIn, TriageResult
from triage.store.users import User

router = APIRouter(tags=["triage"])

EXAMPLE = {"id": "r-1", "text": "Lives alone since his wife died in March, has not left the flat for "
           "weeks and is behind on council tax.", "age": 71, "latitude": 53.70, "longitude": -1.90}


@router.post("/triage", response_model=TriageResult)
def triage_referral(engine: Engine, user: Annotated[User, Depends(require("triage"))],
                    referral: Annotated[ReferralIn, Body(examples=[EXAMPLE])],
                    top: Annotated[int, Query(ge=1, le=50)] = 5) -> TriageResult:
    """Needs with evidence, risk flags and ranked suggestions for one referral, as `triage match`; nothing stored."""
    return engine.match([referral], top=top)[0]
