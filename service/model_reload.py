"""Serving a new champion without a restart: an admin action, or a poll of the registry, loads the model
the registry now names and swaps it in; requests in flight finish on the model they started with."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from pydantic import BaseModel

from service.model_choice import ModelChoice, choose_model
from triage.settings import Settings

log = logging.getLogger(__name__)


class ReloadResult(BaseModel):
    """What a reload found: the version served before and after, and where it came from."""

    previous: str
    current: str
    changed: bool
    source: str
    degraded: str | None = None


@dataclass
class ModelReloader:
    settings: Settings
    state: object  # the app's state: engine, model_choice, metrics

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def reload(self) -> ReloadResult:
        """Ask the registry which model to serve; load and swap it in when it is not the one served. An
        unreachable registry keeps the served model (and says so)."""
        with self._lock:
            engine = self.state.engine  # type: ignore[attr-defined]
            previous = engine.model_name
            choice = choose_model(self.settings)
            if choice.degraded:
                log.warning("model reload: %s; still serving %s", choice.degraded, previous)
                return ReloadResult(previous=previous, current=previous, changed=False,
                                    source=self.state.model_choice.source, degraded=choice.degraded)  # type: ignore[attr-defined]
            folder = choice.model_dir or self.settings.resolved_model_dir
            if folder.resolve() != engine.model_dir.resolve() or (choice.version or previous) != previous:
                engine.reload(folder, choice.version)
                self._announce(choice, previous)
            return ReloadResult(previous=previous, current=engine.model_name,
                                changed=engine.model_name != previous, source=choice.source)

    def _announce(self, choice: ModelChoice, previous: str) -> None:
        gauge = self.state.metrics.model  # type: ignore[attr-defined]
        gauge.clear()
        gauge.labels(self.state.engine.model_name, choice.source, "").set(1)  # type: ignore[attr-defined]
        self.state.model_choice = choice  # type: ignore[attr-defined]

    def start_polling(self, seconds: float) -> None:
        """Reload every `seconds` in a daemon thread (0: never)."""
        if seconds <= 0 or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._poll, args=(seconds,), name="model-poll", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _poll(self, seconds: float) -> None:
        while not self._stop.wait(seconds):
            try:
                self.reload()
            except Exception:
                log.exception("model poll failed; still serving %s", self.state.engine.model_name)  # type: ignore[attr-defined]
