"""The gateway tests' shared fixture: the gateway container with mocked RPC proxies (from test_routes)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_routes import gateway  # noqa: F401
