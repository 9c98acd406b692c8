"""Key and certificate files written once, whole, even when processes race to create them."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def create_once(path: Path, content: bytes, mode: int) -> None:
    """Write ``path`` whole, unless another process got there first (then keep theirs)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.link(temp, path)  # atomic, and fails if the file exists
    except FileExistsError:
        pass
    finally:
        temp.unlink(missing_ok=True)
