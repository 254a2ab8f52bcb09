"""One instance of each marshmallow schema, shared by every caller in the process.

Making a schema deep-copies its declared fields, which cost more than loading or dumping a small
body (about a seventh of a consumer's CPU, profiled under ``make bench``); a schema keeps no state
between loads and dumps, so one instance serves every worker.
"""

from functools import cache
from typing import TypeVar, cast

from marshmallow import Schema

SchemaT = TypeVar("SchemaT", bound=Schema)


def shared(schema_class: type[SchemaT], *, many: bool = False) -> SchemaT:
    """The process's instance of ``schema_class`` (with ``many``), made on first use."""
    return cast(SchemaT, _instance(schema_class, many))


@cache
def _instance(schema_class: type[Schema], many: bool) -> Schema:
    return schema_class(many=many)
