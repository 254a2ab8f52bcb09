"""A read-only PostgreSQL role for analysts on the projection database.

``interlude-reporting analyst-role NAME --password ...`` (or the SQL that
``analyst_role_sql`` prints) creates a login role that may connect and SELECT
every table of the ``public`` schema, now and later (default privileges), and
nothing else: no INSERT, UPDATE, DELETE, TRUNCATE or DDL. The tables are
described in docs/data-dictionary.md.
"""

from psycopg import sql

from interlude_runtime.storage import postgres_params


def analyst_role_statements(role: str, password: str, database: str) -> list[sql.Composed]:
    name, db = sql.Identifier(role), sql.Identifier(database)
    return [
        sql.SQL(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {literal}) THEN "
            "CREATE ROLE {name} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT; END IF; END $$"
        ).format(literal=sql.Literal(role), name=name),
        sql.SQL("ALTER ROLE {} WITH LOGIN PASSWORD {}").format(name, sql.Literal(password)),
        sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(name),
        sql.SQL("REVOKE ALL ON DATABASE {} FROM {}").format(db, name),
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(db, name),
        sql.SQL("REVOKE CREATE ON SCHEMA public FROM {}").format(name),
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(name),
        sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}").format(name),
        sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {}").format(name),
    ]


def create_analyst_role(url: str, role: str, password: str) -> None:
    """Create (or update) the read-only role on the projection database ``url``; run as its owner."""
    import psycopg

    from interlude_runtime.storage import postgres_conninfo

    params = postgres_params(url)
    with psycopg.connect(postgres_conninfo(params), autocommit=True) as connection:
        for statement in analyst_role_statements(role, password, params["dbname"]):
            connection.execute(statement)


def analyst_role_sql(role: str, password: str, database: str) -> str:
    """The statements as a script, for a DBA who applies SQL by hand."""
    statements = analyst_role_statements(role, password, database)
    return "".join(f"{statement.as_string()};\n" for statement in statements)
