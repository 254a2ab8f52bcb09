"""The web app's built bundle (``web/dist``), served by the gateway under ``/app/`` on the API's origin.

``WEB_DIR`` in config (env ``INTERLUDE_WEB_DIR``) names the folder; by default ``web/dist`` of the
source tree. A path that is no file is a client-side route: it gets ``index.html``.
"""

import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nameko.extensions import DependencyProvider

DEFAULT_WEB_DIR = Path(__file__).resolve().parents[2] / "web" / "dist"
mimetypes.add_type("application/manifest+json", ".webmanifest")
# The data dictionary ships in the bundle as Markdown: shown as text in the browser, not downloaded.
mimetypes.add_type("text/plain", ".md")
# Vite names every file under assets/ after its content's hash: a name never changes its content.
HASHED_ASSETS = "assets/"


@dataclass(frozen=True)
class WebFile:
    content: bytes
    content_type: str
    immutable: bool


class WebBundle:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def file(self, path: str) -> WebFile | None:
        """The file at ``path`` under the bundle, ``index.html`` for a client-side route, None without a build."""
        found = self._inside(path)
        if found is not None and found.is_file():
            content_type = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
            if content_type == "text/plain":
                content_type += "; charset=utf-8"
            return WebFile(found.read_bytes(), content_type, path.startswith(HASHED_ASSETS))
        if path.startswith(HASHED_ASSETS) or "." in path.rsplit("/", 1)[-1]:
            return None  # a missing asset is a 404, not the page
        index = self.root / "index.html"
        return WebFile(index.read_bytes(), "text/html", False) if index.is_file() else None

    def _inside(self, path: str) -> Path | None:
        if not path:
            return None
        candidate = (self.root / path).resolve()
        return candidate if candidate.is_relative_to(self.root) else None


class Web(DependencyProvider):
    def setup(self) -> None:
        configured = self.container.config.get("WEB_DIR") or ""
        self.bundle = WebBundle(Path(configured) if configured else DEFAULT_WEB_DIR)

    def get_dependency(self, worker_ctx: Any) -> WebBundle:
        return self.bundle
