"""The content store for uploaded media: a local folder, ``MEDIA_DIR`` in config (env ``INTERLUDE_MEDIA_DIR``),
by default ``media/`` under ``INTERLUDE_DATA_DIR`` (else ``var/media``).

Files are stored under the SHA-256 of their content, so a name is unguessable and an
upload of the same file twice is stored once. Served back at ``/media/<name>``.
"""

import hashlib
import os
import re
from pathlib import Path
from typing import Any

from nameko.extensions import DependencyProvider

MAX_MEDIA_BYTES = 50_000_000
CONTENT_TYPES = {
    "image/png": ("image", "png"),
    "image/jpeg": ("image", "jpg"),
    "image/webp": ("image", "webp"),
    "image/gif": ("image", "gif"),
    "audio/mpeg": ("audio", "mp3"),
    "audio/ogg": ("audio", "ogg"),
    "audio/wav": ("audio", "wav"),
    "audio/mp4": ("audio", "m4a"),
    "video/mp4": ("video", "mp4"),
    "video/webm": ("video", "webm"),
}
NAME_PATTERN = re.compile(r"^[0-9a-f]{64}\.[a-z0-9]{2,4}$")
EXTENSION_TYPES = {extension: content_type for content_type, (_, extension) in CONTENT_TYPES.items()}


class MediaStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, content: bytes, content_type: str) -> dict[str, Any]:
        kind, extension = CONTENT_TYPES[content_type]
        name = f"{hashlib.sha256(content).hexdigest()}.{extension}"
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / name
        if not path.exists():
            partial = path.with_suffix(".partial")
            partial.write_bytes(content)
            partial.replace(path)
        return {"url": f"/media/{name}", "kind": kind, "content_type": content_type, "bytes": len(content)}

    def get(self, name: str) -> tuple[bytes, str] | None:
        if not NAME_PATTERN.match(name):
            return None
        path = self.root / name
        if not path.is_file():
            return None
        return path.read_bytes(), EXTENSION_TYPES[name.rsplit(".", 1)[1]]


class Media(DependencyProvider):
    def setup(self) -> None:
        configured = self.container.config.get("MEDIA_DIR") or ""
        data_dir = os.environ.get("INTERLUDE_DATA_DIR")
        default = Path(data_dir) / "media" if data_dir else Path("var/media")
        self.store = MediaStore(Path(configured) if configured else default)

    def get_dependency(self, worker_ctx: Any) -> MediaStore:
        return self.store
