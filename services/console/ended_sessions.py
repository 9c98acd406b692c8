"""Sign-ins that were signed out before their cookie would have expired.

The session cookie is signed, not stored, so signing out only asked the browser to drop
it: a copy kept elsewhere (another tab's saved request, a shared computer's cookie jar,
a proxy's log) went on working as that caseworker until the sign-in's 30 minutes ran
out. Each sign-in carries a random id; signing out notes the id here until the time its
cookie would have expired anyway, and a cookie whose id is noted is refused.

The ids are kept in a file in the data folder (owner-only), so a console restarted within
those minutes still refuses them. The file stays small: an id is dropped once its
cookie has expired.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from pathlib import Path

FILE_NAME = "console-signed-out.json"


class EndedSessions:
    def __init__(self, path: Path | None = None) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._until: dict[str, float] = self._read()

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> EndedSessions:
        return cls(Path(data_dir) / FILE_NAME)

    def end(self, session_id: str, until: float, now: float | None = None) -> None:
        """Refuse ``session_id`` from now until ``until`` (epoch seconds)."""
        stamp = time.time() if now is None else now
        with self._lock:
            self._until = {s: t for s, t in self._until.items() if t > stamp}
            if until > stamp:
                self._until[session_id] = until
            self._write()

    def ended(self, session_id: str, now: float | None = None) -> bool:
        stamp = time.time() if now is None else now
        return self._until.get(session_id, 0.0) > stamp

    def _read(self) -> dict[str, float]:
        if self._path is None or not self._path.exists():
            return {}
        try:
            data = json.loads(self._path.read_text(encoding="utf-8"))
            return {str(s): float(t) for s, t in data.items()}
        except (OSError, ValueError, AttributeError, TypeError):
            # Unreadable: the sign-ins it named still expire at their usual time.
            return {}

    def _write(self) -> None:
        if self._path is None:
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        part = self._path.with_name(f".{self._path.name}.{secrets.token_hex(4)}")
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(self._until, handle)
        os.replace(part, self._path)
