"""Runtime pieces every service needs in the same shape: storage, consuming, relaying, metrics."""

import os

# psycopg's compiled build loads rows in C, but waits for the server inside C too, which would stall
# eventlet's hub (every green thread of the process) on each query. Told to wait through select, which
# eventlet makes green, it queries as cooperatively as the pure-Python build. psycopg reads this once, on
# its first import: every process imports this package first (tests/integration/test_eventlet_postgres.py).
os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")
