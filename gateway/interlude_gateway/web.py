"""HTTP plumbing: JSON bodies, problem details (RFC 9457), authentication per route."""

import functools
import json
import logging
import math
import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import eventlet
from kombu.exceptions import OperationalError as BrokerUnavailable
from marshmallow import Schema, ValidationError
from nameko.exceptions import RemoteError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from interlude_contracts.errors import InterludeError

from .auth import Unauthenticated, VerifiedToken

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
MAX_BODY_BYTES = 1_000_000
# Far beyond any real body (a FHIR questionnaire of nested groups: a dozen levels), far below the recursion limit.
MAX_NESTING = 64
MAX_INTEGER_DIGITS = 100
JSON_TYPES = ("application/json",)
FHIR_JSON = "application/fhir+json"
FHIR_JSON_TYPES = (FHIR_JSON, "application/json")
# The FHIR API's errors are OperationOutcomes, not problem details.
FHIR_PREFIX = "/fhir/"
FHIR_ISSUE_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    409: "conflict",
    413: "too-long",
    415: "not-supported",
    422: "processing",
    429: "throttled",
    503: "transient",
    504: "timeout",
}
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_PARSED_BODY = "interlude.json_body"
_CHECKED_BODY = "interlude.checked_body"
# nameko 2's RPC proxy waits for a reply indefinitely; a request must not.
UPSTREAM_TIMEOUT_SECONDS = 30


class UpstreamTimeout(Exception):
    """A service did not answer an RPC within UPSTREAM_TIMEOUT_SECONDS."""


class HttpProblem(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        errors: dict[str, Any] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = errors or {}
        self.retry_after = retry_after


# What a service's database driver raises while its server restarts, fails over or refuses connections,
# by the name nameko's RemoteError carries (psycopg's, psycopg_pool's, eventsourcing's and sqlite3's).
STORE_UNAVAILABLE = frozenset(
    {"OperationalError", "InterfaceError", "AdminShutdown", "CannotConnectNow", "ConnectionTimeout", "PoolTimeout"}
)


def _briefly_unavailable(failure: Callable[[HttpProblem, str], Response], correlation_id: str) -> Response:
    response = failure(
        HttpProblem(503, "service_unavailable", "The service is briefly unavailable; try again."), correlation_id
    )
    response.headers["Retry-After"] = "1"
    return response


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json", headers=headers)


def problem_response(problem: HttpProblem, correlation_id: str) -> Response:
    body = {
        "type": f"urn:interlude:problem:{problem.code}",
        "title": problem.code.replace("_", " ").capitalize(),
        "status": problem.status,
        "detail": problem.detail,
        "correlation_id": correlation_id,
    }
    if problem.errors:
        body["errors"] = problem.errors
    response = Response(json.dumps(body), status=problem.status, content_type=PROBLEM_JSON)
    if problem.retry_after is not None:
        response.headers["Retry-After"] = str(problem.retry_after)
    return response


def operation_outcome(problem: HttpProblem, correlation_id: str) -> Response:
    """A failure of the FHIR API as a FHIR OperationOutcome: one issue for the problem, one per failing field."""
    code = FHIR_ISSUE_CODES.get(problem.status, "exception")
    issues = [{"severity": "error", "code": code, "details": {"text": problem.code}, "diagnostics": problem.detail}]
    for field, messages in problem.errors.items():
        text = "; ".join(map(str, messages)) if isinstance(messages, list) else json.dumps(messages)
        issues.append({"severity": "error", "code": code, "expression": [field], "diagnostics": text or field})
    body = {"resourceType": "OperationOutcome", "issue": issues}  # the correlation id is in its header
    response = Response(json.dumps(body), status=problem.status, content_type=FHIR_JSON)
    if problem.retry_after is not None:
        response.headers["Retry-After"] = str(problem.retry_after)
    return response


def check_body(request: Request, schema: Schema) -> None:
    """Refuse (422, naming the fields) a body its route's contract does not accept; ``endpoint`` calls it."""
    try:
        schema.load(parse_json(request))
    except ValidationError as error:
        raise HttpProblem(
            422, "validation_failed", "The request body is not valid.", error.normalized_messages()
        ) from None
    request.environ[_CHECKED_BODY] = True


def checked_body(request: Request) -> dict[str, Any]:
    """The request's JSON object as sent (JSON types), checked against its route's body schema before the route ran."""
    if not request.environ.get(_CHECKED_BODY):
        raise RuntimeError(f"{request.method} {request.path}: the route declares no body schema to check it with.")
    return parse_json(request)


def parse_json(request: Request, media_types: tuple[str, ...] = JSON_TYPES) -> dict[str, Any]:
    """The request's JSON object, not yet checked against any contract; read and refused (4xx) once per request.

    ``endpoint`` reads it before the route runs, so a bad body is refused before any call to a service.
    """
    if _PARSED_BODY not in request.environ:
        _require_json_media_type(request, media_types)
        request.environ[_PARSED_BODY] = _plain_json_object(_body_text(request))
    parsed: dict[str, Any] = request.environ[_PARSED_BODY]
    return parsed


def _require_json_media_type(request: Request, media_types: tuple[str, ...]) -> None:
    """Refuse a declared Content-Type other than these (in UTF-8); a body without one is read as JSON."""
    if not _declares_content_type(request):
        return
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if request.mimetype not in media_types or charset not in ("utf-8", "utf8"):
        accepted = sorted(media_types)
        raise HttpProblem(
            415,
            "unsupported_media_type",
            f"The body must be {' or '.join(accepted)} in UTF-8.",
            {"Content-Type": accepted},
        )


def _declares_content_type(request: Request) -> bool:
    # eventlet's server fills in text/plain for a missing Content-Type; its raw headers tell what was sent.
    sent = request.environ.get("headers_raw")
    if sent is not None:
        return any(name.lower() == "content-type" and value for name, value in sent)
    return bool(request.content_type)


def _body_text(request: Request) -> str:
    too_large = HttpProblem(413, "body_too_large", f"The body exceeds {MAX_BODY_BYTES} bytes.")
    if request.content_length and request.content_length > MAX_BODY_BYTES:
        raise too_large
    request.max_content_length = MAX_BODY_BYTES  # werkzeug then never reads past the limit
    try:
        raw = request.get_data()
    except RequestEntityTooLarge:
        raise too_large from None
    try:
        return raw.decode("utf-8")  # strictly: no replacement characters, no encoded surrogates
    except UnicodeDecodeError as error:
        raise _malformed(f"The body is not valid UTF-8 (byte {error.start}).") from None


def _plain_json_object(text: str) -> dict[str, Any]:
    """Parse JSON bounded in depth and numbers, with text that is Unicode throughout."""
    try:
        body = json.loads(
            text or "{}",
            parse_int=_bounded_integer,
            parse_float=_finite_number,
            parse_constant=lambda name: _Unacceptable(f"{name} is not a JSON number."),
        )
    except json.JSONDecodeError as error:
        raise _malformed(f"The body is not valid JSON: {error}.") from None
    except RecursionError:
        raise _too_deep() from None
    if not isinstance(body, dict):
        raise HttpProblem(400, "malformed_json", "The body must be a JSON object.", {"_body": ["Expected an object."]})
    _refuse_what_is_not_plain(body)
    return body


class _Unacceptable:
    """Parsed in place of a number the body may not carry, so the check that follows can name its field."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _bounded_integer(digits: str) -> int | _Unacceptable:
    # Counted before int(): Python refuses to convert past 4,300 digits with a ValueError.
    if len(digits.lstrip("-")) > MAX_INTEGER_DIGITS:
        return _Unacceptable(f"An integer has more than {MAX_INTEGER_DIGITS} digits.")
    return int(digits)


def _finite_number(text: str) -> float | _Unacceptable:
    number = float(text)
    return number if math.isfinite(number) else _Unacceptable(f"The number {text[:20]}… is too large.")


def _refuse_what_is_not_plain(body: dict[str, Any]) -> None:
    """Walk the parsed body (without recursion): refuse deep nesting, unacceptable numbers and lone surrogates.

    A problem is named by the top-level field it is in (``_body`` for the top level's own keys).
    """
    pending: list[tuple[dict[str, Any] | list[Any], str, int]] = [(body, "_body", 1)]
    while pending:
        container, field, depth = pending.pop()
        if depth > MAX_NESTING:
            raise _too_deep()
        if isinstance(container, dict):
            for key in container:
                _require_unicode(key, field)
            entries: Iterable[tuple[str, Any]] = (
                container.items() if depth == 1 else ((field, item) for item in container.values())
            )
        else:
            entries = ((field, item) for item in container)
        for item_field, item in entries:
            if isinstance(item, str):
                _require_unicode(item, item_field)
            elif isinstance(item, (dict, list)):
                pending.append((item, item_field, depth + 1))
            elif isinstance(item, _Unacceptable):
                raise _malformed(item.reason, item_field)


def _require_unicode(text: str, field: str) -> None:
    # json.loads joins escaped surrogate pairs into one character; any surrogate left is alone.
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        lone = f"\\u{ord(text[error.start]):04x}"
        raise _malformed(f"The body has a lone surrogate ({lone}), which is not a character.", field) from None


def _too_deep() -> HttpProblem:
    return _malformed(f"The body nests deeper than {MAX_NESTING} levels.")


def _malformed(reason: str, field: str = "_body") -> HttpProblem:
    return HttpProblem(400, "malformed_json", reason, {field: [reason]})


def bearer_token(request: Request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("A bearer token is required.")
    return token.strip()


Handler = Callable[..., Response]
# The roles each endpoint admits (none: no token needed), for the OpenAPI document; see ``roles_of``.
_ENDPOINT_ROLES: dict[Handler, tuple[str, ...]] = {}


def roles_of(endpoint: Handler) -> tuple[str, ...]:
    """The roles an ``@endpoint`` admits; none for one that needs no token (or is no endpoint)."""
    return _ENDPOINT_ROLES.get(endpoint, ())


def endpoint(
    *roles: str, json_body: tuple[str, ...] = (), body_schema: Schema | None = None
) -> Callable[[Handler], Handler]:
    """Wrap a route: authenticate (unless no roles are named), check the role, read the body, map errors.

    With ``json_body`` media types, the body is read by ``parse_json`` and checked against
    ``body_schema`` before the route runs, so a body that is refused is refused before any work
    (the token's signature and role are checked before it, calling no service). Then the token's
    session must still be current (``sessions``). The wrapped method receives ``caller`` and
    ``correlation_id`` keywords.
    """

    def decorate(method: Handler) -> Handler:
        @functools.wraps(method)
        def wrapper(self: Any, request: Request, **path: Any) -> Response:
            correlation_id = request.headers.get("X-Correlation-Id") or str(uuid.uuid4())
            failure = operation_outcome if request.path.startswith(FHIR_PREFIX) else problem_response
            try:
                token = _authorise(self, request, roles)
                if json_body:
                    parse_json(request, json_body)
                if body_schema is not None:
                    check_body(request, body_schema)
                with eventlet.Timeout(UPSTREAM_TIMEOUT_SECONDS, UpstreamTimeout):
                    if token is not None:
                        self.sessions.require_current(token, self.identity.session_generation)
                    caller = token.caller if token is not None else None
                    response = method(self, request, caller=caller, correlation_id=correlation_id, **path)
            except HttpProblem as raised:
                response = failure(raised, correlation_id)
            except Unauthenticated as error:
                response = failure(HttpProblem(401, "unauthenticated", str(error)), correlation_id)
                response.headers["WWW-Authenticate"] = "Bearer"
            except InterludeError as error:
                problem = HttpProblem(error.http_status, error.code, error.detail, error.fields)
                response = failure(problem, correlation_id)
                if error.http_status == 401:
                    response.headers["WWW-Authenticate"] = "Bearer"
            except UpstreamTimeout:
                log.error("%s %s timed out upstream (correlation id %s)", request.method, request.path, correlation_id)
                problem = HttpProblem(504, "upstream_timeout", "A service did not answer in time; try again.")
                response = failure(problem, correlation_id)
            except (BrokerUnavailable, ConnectionError):
                # The broker went away (restarting): worth a retry, and a response submission retried with
                # the same X-Correlation-Id is recorded once even if the first call did reach the service.
                log.warning("%s %s: broker unavailable (correlation %s)", request.method, request.path, correlation_id)
                response = _briefly_unavailable(failure, correlation_id)
            except Exception as error:
                if isinstance(error, RemoteError) and error.exc_type in STORE_UNAVAILABLE:
                    # A service's database is restarting or failing over: as retryable as a broker restart.
                    log.warning("%s %s: %s (correlation %s)", request.method, request.path, error, correlation_id)
                    response = _briefly_unavailable(failure, correlation_id)
                else:
                    log.exception("%s %s failed (correlation id %s)", request.method, request.path, correlation_id)
                    problem = HttpProblem(500, "internal_error", "Something went wrong on our side.")
                    response = failure(problem, correlation_id)
            response.headers["X-Correlation-Id"] = correlation_id
            allow_origin(self, request, response)
            return response

        _ENDPOINT_ROLES[wrapper] = roles
        return wrapper

    return decorate


CORS_ALLOWED_HEADERS = "Authorization, Content-Type, Idempotency-Key, X-Correlation-Id"
CORS_EXPOSED_HEADERS = "X-Correlation-Id, Retry-After, WWW-Authenticate"


def allow_origin(service: Any, request: Request, response: Response) -> None:
    """CORS: a configured front-end origin may read the response (credentials are bearer tokens, not cookies)."""
    origin = request.headers.get("Origin")
    policy = getattr(service, "policy", None)
    if origin and policy is not None and origin in policy.cors_origins:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = CORS_EXPOSED_HEADERS
        response.headers.add("Vary", "Origin")


def _authorise(service: Any, request: Request, roles: tuple[str, ...]) -> VerifiedToken | None:
    """The route's token, signed, unexpired and of one of its roles (its session is checked later)."""
    if not roles:
        return None
    token: VerifiedToken = service.tokens.verified(bearer_token(request))
    if token.caller.role not in roles:
        raise HttpProblem(403, "forbidden", f"This needs the role {' or '.join(roles)}.")
    return token


IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_IDEMPOTENCY_KEY = 100
IDEMPOTENCY_KEY_PATTERN = re.compile(r"[A-Za-z0-9._:~+/=-]+")


def idempotency_key(request: Request) -> str | None:
    """The request's ``Idempotency-Key`` (printable ASCII without spaces, at most 100); None when absent.

    A command repeated with the same key is done once (docs/architecture.md, delivery guarantees).
    """
    key = request.headers.get(IDEMPOTENCY_HEADER) or None
    if key is None:
        return None
    if len(key) > MAX_IDEMPOTENCY_KEY:
        raise HttpProblem(
            422, "validation_failed", "The idempotency key is too long.", {IDEMPOTENCY_HEADER: ["At most 100."]}
        )
    if not IDEMPOTENCY_KEY_PATTERN.fullmatch(key):
        raise HttpProblem(
            422,
            "validation_failed",
            "The idempotency key has characters it may not have.",
            {IDEMPOTENCY_HEADER: ["Letters, digits and . _ : ~ + / = - only."]},
        )
    return key
