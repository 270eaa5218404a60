"""Link workers' decisions for data scientists: the redacted feedback export."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from service.deps import record, require
from triage.feedback.export import feedback_lines, midnight, to_jsonl
from triage.nlp.redact import Redactor
from triage.outcomes.export import installation_salt
from triage.outcomes.report import check_period
from triage.store.users import User

router = APIRouter(prefix="/feedback", tags=["feedback"])


@cache
def _redactor() -> Redactor:
    return Redactor()


@router.get("/export", response_class=Response,
            responses={200: {"content": {"application/x-ndjson": {"schema": {"type": "string"}}}},
                       400: {"description": "the period ends before it starts"}})
def feedback_export(request: Request, user: Annotated[User, Depends(require("feedback:export"))],
                    start: date, end: date) -> Response:
    """Reviewed referrals received from `start` to `end` as redacted JSON Lines, the input of
    `triage train --with-feedback`: notes with names, numbers, contacts and addresses removed, the needs
    before and after review, and every suggestion decision with its ranking features and model version."""
    check_period(start, end)
    lines = list(to_jsonl(feedback_lines(request.app.state.desk.sessions,
                                         salt=installation_salt(request.app.state.engine.settings),
                                         redactor=_redactor(), start=midnight(start),
                                         end=midnight(end, next_day=True))))
    record(request, user, "export", "feedback", f"{start}..{end}", detail=f"{len(lines)} lines")
    return Response("".join(lines), media_type="application/x-ndjson",
                    headers={"Content-Disposition": f'attachment; filename="feedback-{start}-{end}.jsonl"'})
