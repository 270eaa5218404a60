"""triage: needs, risk flags and community suggestions for social prescribing referral notes.

    from triage import Triage, ReferralIn
    engine = Triage()
    engine.match([ReferralIn(id="1", text="Lives alone since his wife died...")])
"""

from __future__ import annotations

from typing import Any

__all__ = ["Triage", "Settings", "ReferralIn", "TriageResult", "Classification", "Asset", "TriageError"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:  # lazy, so `import triage.taxonomy` stays light
    if name == "Triage":
        from triage.engine import Triage

        return Triage
    if name == "Settings":
        from triage.settings import Settings

        return Settings
    if name == "TriageError":
        from triage.errors import TriageError

        return TriageError
    if name in ("ReferralIn", "TriageResult", "Classification", "Asset"):
        from triage import schemas

        return getattr(schemas, name)
    raise AttributeError(f"module 'triage' has no attribute '{name}'")
