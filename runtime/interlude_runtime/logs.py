"""A service refusing a request on purpose (a 4xx) is not an error of the service.

nameko logs every exception an entrypoint raises as ERROR with its traceback. A
``NotFound``, ``Conflict`` or ``ValidationFailed`` is the answer the caller asked
for; logging it that way buried real failures (3 MB of tracebacks in one session).
"""

import logging

from interlude_contracts.errors import InterludeError

NAMEKO_WORKER_LOGGER = "nameko.containers"


class ExpectedRefusals(logging.Filter):
    """Turns a worker's record of an InterludeError below 500 into one INFO line without a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, InterludeError) and error.http_status < 500:
            record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)
            worker = record.args[0] if isinstance(record.args, tuple) and record.args else ""
            record.msg, record.args = "refused %s: %s %s", (worker, error.code, error.detail)
            record.exc_info, record.exc_text = None, None
        return True


def quiet_expected_refusals() -> None:
    """Install the filter once on nameko's worker logger (idempotent)."""
    logger = logging.getLogger(NAMEKO_WORKER_LOGGER)
    if not any(isinstance(existing, ExpectedRefusals) for existing in logger.filters):
        logger.addFilter(ExpectedRefusals())
