"""The content store for uploaded media: a local folder, ``MEDIA_DIR`` in config (env ``INTERLUDE_MEDIA_DIR``),
by default ``media/`` under ``INTERLUDE_DATA_DIR`` (else ``var/media``).

Each clinic has a folder of its own (``<root>/<clinic_id>/``): a file is found only
for callers of the clinic that uploaded it. Files are stored under the SHA-256 of
their content, so a name is unguessable and an upload of the same file twice is
stored once per clinic. Served back at ``/media/<name>``; the clinic comes from the
caller's token, never from the URL.

An upload is sniffed: its first bytes must be the magic number of the type it
declares, so a file is always served as what it is.
"""

import hashlib
import os
import re
from collections.abc import Callable
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
CLINIC_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")
EXTENSION_TYPES = {extension: content_type for content_type, (_, extension) in CONTENT_TYPES.items()}


def _riff(form: bytes) -> Callable[[bytes], bool]:
    return lambda content: content[:4] == b"RIFF" and content[8:12] == form


def _iso_media(content: bytes) -> bool:
    return content[4:8] == b"ftyp"


def _mpeg_audio(content: bytes) -> bool:
    """An ID3 tag, or an MPEG audio frame sync (eleven set bits)."""
    return content[:3] == b"ID3" or (len(content) >= 2 and content[0] == 0xFF and content[1] & 0xE0 == 0xE0)


MAGIC: dict[str, Callable[[bytes], bool]] = {
    "image/png": lambda content: content.startswith(b"\x89PNG\r\n\x1a\n"),
    "image/jpeg": lambda content: content.startswith(b"\xff\xd8\xff"),
    "image/webp": _riff(b"WEBP"),
    "image/gif": lambda content: content[:6] in (b"GIF87a", b"GIF89a"),
    "audio/mpeg": _mpeg_audio,
    "audio/ogg": lambda content: content.startswith(b"OggS"),
    "audio/wav": _riff(b"WAVE"),
    "audio/mp4": _iso_media,
    "video/mp4": _iso_media,
    "video/webm": lambda content: content.startswith(b"\x1a\x45\xdf\xa3"),
}


def matches_declared_type(content: bytes, content_type: str) -> bool:
    """Whether the bytes begin as a file of the declared type does."""
    return MAGIC[content_type](content)


class MediaStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, clinic_id: str, content: bytes, content_type: str) -> dict[str, Any]:
        kind, extension = CONTENT_TYPES[content_type]
        name = f"{hashlib.sha256(content).hexdigest()}.{extension}"
        folder = self._folder(clinic_id)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        if not path.exists():
            partial = path.with_suffix(".partial")
            partial.write_bytes(content)
            partial.replace(path)
        return {"url": f"/media/{name}", "kind": kind, "content_type": content_type, "bytes": len(content)}

    def get(self, clinic_id: str, name: str) -> tuple[bytes, str] | None:
        if not NAME_PATTERN.match(name) or not CLINIC_PATTERN.match(clinic_id):
            return None
        path = self._folder(clinic_id) / name
        if not path.is_file():
            return None
        return path.read_bytes(), EXTENSION_TYPES[name.rsplit(".", 1)[1]]

    def _folder(self, clinic_id: str) -> Path:
        if not CLINIC_PATTERN.match(clinic_id):
            raise ValueError(f"Not a clinic id to name a folder with: {clinic_id!r}")
        return self.root / clinic_id


class Media(DependencyProvider):
    def setup(self) -> None:
        configured = self.container.config.get("MEDIA_DIR") or ""
        data_dir = os.environ.get("INTERLUDE_DATA_DIR")
        default = Path(data_dir) / "media" if data_dir else Path("var/media")
        self.store = MediaStore(Path(configured) if configured else default)

    def get_dependency(self, worker_ctx: Any) -> MediaStore:
        return self.store
