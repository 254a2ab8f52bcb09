"""HTTP plumbing: JSON bodies, problem details (RFC 9457), authentication per route."""

import functools
import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

import eventlet
from kombu.exceptions import OperationalError as BrokerUnavailable
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from interlude_contracts.errors import InterludeError

from .auth import Caller, Unauthenticated

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
MAX_BODY_BYTES = 1_000_000
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


def json_body(request: Request, schema: Schema) -> dict[str, Any]:
    """The request's JSON object, checked against a contract; returned as sent (JSON types)."""
    body = parse_json(request)
    try:
        schema.load(body)
    except ValidationError as error:
        raise HttpProblem(422, "validation_failed", "The request body is not valid.", error.messages) from None
    return body


def parse_json(request: Request) -> dict[str, Any]:
    """The request's JSON object, not yet checked against any contract."""
    too_large = HttpProblem(413, "body_too_large", f"The body exceeds {MAX_BODY_BYTES} bytes.")
    if request.content_length and request.content_length > MAX_BODY_BYTES:
        raise too_large
    request.max_content_length = MAX_BODY_BYTES  # werkzeug then never reads past the limit
    try:
        raw = request.get_data(as_text=True)
    except RequestEntityTooLarge:
        raise too_large from None
    try:
        body = json.loads(raw or "{}")
    except json.JSONDecodeError as error:
        raise HttpProblem(
            400, "malformed_json", f"The body is not valid JSON: {error}.", {"_body": [str(error)]}
        ) from None
    if not isinstance(body, dict):
        raise HttpProblem(400, "malformed_json", "The body must be a JSON object.", {"_body": ["Expected an object."]})
    return body


def bearer_token(request: Request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("A bearer token is required.")
    return token.strip()


Handler = Callable[..., Response]


def endpoint(*roles: str) -> Callable[[Handler], Handler]:
    """Wrap a route: authenticate (unless no roles are named), check the role, map errors.

    The wrapped method receives ``caller`` and ``correlation_id`` keywords.
    """

    def decorate(method: Handler) -> Handler:
        @functools.wraps(method)
        def wrapper(self: Any, request: Request, **path: Any) -> Response:
            correlation_id = request.headers.get("X-Correlation-Id") or str(uuid.uuid4())
            try:
                caller = _authorise(self, request, roles)
                with eventlet.Timeout(UPSTREAM_TIMEOUT_SECONDS, UpstreamTimeout):
                    response = method(self, request, caller=caller, correlation_id=correlation_id, **path)
            except HttpProblem as problem:
                response = problem_response(problem, correlation_id)
            except Unauthenticated as error:
                response = problem_response(HttpProblem(401, "unauthenticated", str(error)), correlation_id)
                response.headers["WWW-Authenticate"] = "Bearer"
            except InterludeError as error:
                problem = HttpProblem(error.http_status, error.code, error.detail, error.fields)
                response = problem_response(problem, correlation_id)
                if error.http_status == 401:
                    response.headers["WWW-Authenticate"] = "Bearer"
            except UpstreamTimeout:
                log.error("%s %s timed out upstream (correlation id %s)", request.method, request.path, correlation_id)
                problem = HttpProblem(504, "upstream_timeout", "A service did not answer in time; try again.")
                response = problem_response(problem, correlation_id)
            except (BrokerUnavailable, ConnectionError):
                # The broker went away (restarting): worth a retry, and a response submission retried with
                # the same X-Correlation-Id is recorded once even if the first call did reach the service.
                log.warning("%s %s: broker unavailable (correlation %s)", request.method, request.path, correlation_id)
                problem = HttpProblem(503, "service_unavailable", "The service is briefly unavailable; try again.")
                response = problem_response(problem, correlation_id)
                response.headers["Retry-After"] = "1"
            except Exception:
                log.exception("%s %s failed (correlation id %s)", request.method, request.path, correlation_id)
                problem = HttpProblem(500, "internal_error", "Something went wrong on our side.")
                response = problem_response(problem, correlation_id)
            response.headers["X-Correlation-Id"] = correlation_id
            allow_origin(self, request, response)
            return response

        wrapper.interlude_roles = roles  # type: ignore[attr-defined]  # read by the OpenAPI document
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


def _authorise(service: Any, request: Request, roles: tuple[str, ...]) -> Caller | None:
    if not roles:
        return None
    caller = service.tokens.verify(bearer_token(request))
    if caller.role not in roles:
        raise HttpProblem(403, "forbidden", f"This needs the role {' or '.join(roles)}.")
    return caller
