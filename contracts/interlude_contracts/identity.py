"""Contracts of the identity service: clinics, accounts, invitations, tokens and the audit trail."""

from marshmallow import Schema, fields, validate
from nameko.exceptions import deserialize_to_instance

from .errors import InterludeError
from .fields import aware_datetime, identifier

OPERATOR = "operator"
CLINIC_ADMIN = "clinic_admin"
THERAPIST = "therapist"
CLIENT = "client"
ANALYST = "analyst"
ROLES = (OPERATOR, CLINIC_ADMIN, THERAPIST, CLIENT, ANALYST)

# Who may invite whom (the operator starts a clinic with its first admin's invitation).
INVITABLE_BY: dict[str, tuple[str, ...]] = {
    OPERATOR: (CLINIC_ADMIN,),
    CLINIC_ADMIN: (CLINIC_ADMIN, THERAPIST, ANALYST),
    THERAPIST: (CLIENT,),
}

MIN_PASSWORD_LENGTH = 10
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# Offsets beyond any real list; larger numbers would overflow the databases' 64-bit integers.
MAX_PAGE_OFFSET = 1_000_000_000


@deserialize_to_instance
class NotAuthenticated(InterludeError):
    """Wrong credentials, or an unknown, expired or revoked token or invitation code."""

    http_status = 401
    code = "unauthenticated"


class CallerSchema(Schema):
    """Who is calling, as the gateway passes it to a service (from a verified token)."""

    subject = identifier(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    clinic_id = identifier(required=True)


class CreateClinicRequest(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    admin_username = fields.String(
        required=True,
        validate=validate.Length(3, 200),
        metadata={"description": "The first clinic admin's login (e.g. an email); they get an invitation code."},
    )


class InvitationRequest(Schema):
    username = fields.String(required=True, validate=validate.Length(3, 200))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    display_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(0, 200))


class RedeemRequest(Schema):
    code = fields.String(required=True, validate=validate.Length(10, 200))
    password = fields.String(required=True, validate=validate.Length(MIN_PASSWORD_LENGTH, 500))


class RefreshRequest(Schema):
    refresh_token = fields.String(required=True, validate=validate.Length(10, 200))


class RefreshSessionRequest(Schema):
    """A refresh: the token in the body, or none from a browser session (its token is its cookie)."""

    refresh_token = fields.String(
        validate=validate.Length(10, 200),
        metadata={"description": "Required, unless the request is a browser session's (X-Interlude-Session: cookie)."},
    )


class ClinicSchema(Schema):
    clinic_id = identifier(required=True)
    name = fields.String(required=True)
    created_at = aware_datetime(required=True)


class AccountSchema(Schema):
    account_id = identifier(required=True)
    clinic_id = identifier(required=True)
    username = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    display_name = fields.String(required=True, allow_none=True)
    therapist_id = identifier(
        required=True, allow_none=True, metadata={"description": "A client's therapist; null for other roles."}
    )
    status = fields.String(required=True, validate=validate.OneOf(("invited", "active")))
    created_at = aware_datetime(required=True)


class InvitationSchema(Schema):
    code = fields.String(required=True, metadata={"description": "Shown once: the invitee redeems it."})
    account = fields.Nested(AccountSchema, required=True)
    expires_at = aware_datetime(required=True)


class CreatedClinicSchema(Schema):
    clinic = fields.Nested(ClinicSchema, required=True)
    invitation = fields.Nested(InvitationSchema, required=True)


class TokenPairSchema(Schema):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True)
    expires_in = fields.Integer(required=True)
    # Absent for a browser session (X-Interlude-Session: cookie): its refresh token is an HttpOnly cookie.
    refresh_token = fields.String()
    refresh_expires_in = fields.Integer(required=True)


class AuditEntrySchema(Schema):
    entry_id = fields.Integer(required=True)
    at = aware_datetime(required=True)
    clinic_id = identifier(required=True)
    actor_id = identifier(required=True)
    actor_role = fields.String(required=True)
    action = fields.String(required=True, metadata={"description": "e.g. 'read', 'assign', 'submit'"})
    client_id = identifier(required=True, allow_none=True)
    resource = fields.String(required=True, metadata={"description": "The HTTP method and path."})
    correlation_id = fields.String(required=True)


class PageSchema(Schema):
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)
    total = fields.Integer(required=True)
