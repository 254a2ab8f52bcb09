"""The rendered manifests against ``deploy/processes.yaml`` and the code: what ``make k8s`` cannot see otherwise.

- exactly one Deployment per process, with the process's command, ports and probes on ``metrics``;
- every variable the process's code reads (its package, ``interlude_runtime``, its nameko config) is listed for it,
  in ``env`` or, with the reason, in ``unused``; nothing listed is no longer read;
- every variable in ``env`` is set in the Deployment from a ConfigMap or a Secret (directly, or assembled with
  Kubernetes' ``$(VAR)`` expansion from such variables), never as a literal;
- every Secret key a container reads is in the Credentials table of ``deploy/k8s/README.md`` (the Secrets an
  operator must make for the prod overlay), and in the dev overlay is generated there or made by an operator;
- the migration Job runs ``interlude-migrate <store>`` once per store, with that store's variables;
- each process connects to RabbitMQ as its own user, from its own Secret ``interlude-bus-<process>``, and the
  topology operator's User, Permission and TopicPermission objects are exactly those ``scripts/bus_users.py``
  derives from the ``bus`` entries (so a change there without ``python scripts/bus_users.py k8s`` fails);
- (prod) a NetworkPolicy per process, since everything is denied by default.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from bus_users import k8s_documents, k8s_secret_name
from processes import ROOT, Process, migrations, processes

README = ROOT / "deploy" / "k8s" / "README.md"
# Secrets an operator creates, not the person deploying.
OPERATOR_SECRETS = {"interlude-rabbitmq-default-user"}
BUS_KINDS = ("User", "Permission", "TopicPermission")
BROKER_CREDENTIALS = ("RABBITMQ_USER", "RABBITMQ_PASSWORD")
MIGRATION_JOB = "interlude-migrate"

_PYTHON_READS = [
    re.compile(r"""(?:environ\.get|getenv)\(\s*["']([A-Z][A-Z0-9_]*)["']"""),
    re.compile(r"""environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]"""),
    # A variable's name kept in a constant (shredding.MASTER_KEY_VARIABLE) and read through it.
    re.compile(r"""^[A-Z_]*VARIABLE\s*(?::\s*str\s*)?=\s*["']([A-Z][A-Z0-9_]*)["']""", re.MULTILINE),
]
_CONFIG_READS = re.compile(r"\$\{([A-Z][A-Z0-9_]*):")
_EXPANSION = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


def variables_in_python(source: str) -> set[str]:
    return {name for pattern in _PYTHON_READS for name in pattern.findall(source)}


def variables_in_config(source: str) -> set[str]:
    lines = (line for line in source.splitlines() if not line.lstrip().startswith("#"))
    return {name for line in lines for name in _CONFIG_READS.findall(line)}


def variables_read_by(process: Process) -> set[str]:
    """What the process's code can read: its package and interlude_runtime, and its nameko config."""
    found: set[str] = set()
    for directory in (ROOT / "runtime" / "interlude_runtime", ROOT / process.package):
        for path in directory.rglob("*.py"):
            found |= variables_in_python(path.read_text())
    if process.config:
        found |= variables_in_config((ROOT / process.config).read_text())
    return found


def documented_secret_keys(readme: str | None = None) -> set[tuple[str, str]]:
    """(Secret, key) pairs of the README's Credentials table: names in the first column, keys in the second."""
    text = README.read_text() if readme is None else readme
    section = text.split("## Credentials", 1)[1].split("\n## ", 1)[0]
    pairs: set[tuple[str, str]] = set()
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 2 or set(cells[0]) <= {"-", " "}:
            continue
        names, keys = re.findall(r"`([^`]+)`", cells[0]), re.findall(r"`([^`]+)`", cells[1])
        pairs |= {(name, key) for name in names for key in keys}
    return pairs


_CONSUMES = re.compile(r"""@event_consumer\(\s*["']([^"']+)["']""")
_CALLS = re.compile(r"""RpcProxy\(\s*["']([^"']+)["']""")
_SERVES = re.compile(r"""^\s+name\s*=\s*["']([^"']+)["']""", re.MULTILINE)


def bus_code_errors(process: Process) -> Iterator[str]:
    """The ``bus`` entry against the code: the queues it consumes, the services it calls, the service it is."""
    sources = [path.read_text() for path in (ROOT / process.package).rglob("*.py") if "tests" not in path.parts]
    consumed = {name for source in sources for name in _CONSUMES.findall(source)}
    called = {name for source in sources for name in _CALLS.findall(source)}
    if consumed != set(process.bus.consumes):
        yield f"consumes {sorted(consumed)} in its code, but its bus entry says {sorted(process.bus.consumes)}"
    if called != set(process.bus.calls):
        yield f"calls {sorted(called)} in its code, but its bus entry says {sorted(process.bus.calls)}"
    if process.kind == "service":
        service = ROOT / process.package / "service.py"
        names = _SERVES.findall(service.read_text())
        if names[:1] != [process.bus.serves]:
            yield f"serves RPC as {names[:1]}, but its bus entry says {process.bus.serves}"


def code_errors() -> Iterator[str]:
    for process in processes().values():
        if process.kind != "relay":
            yield from (f"{process.name}: {error}" for error in bus_code_errors(process))
        read = variables_read_by(process)
        listed = set(process.env) | set(process.unused)
        for name in sorted(read - listed):
            yield f"{process.name}: reads {name}, which deploy/processes.yaml does not list (env or unused)"
        for name in sorted(listed - read):
            yield f"{process.name}: deploy/processes.yaml lists {name}, which its code does not read"
        for name in sorted(set(process.env) & set(process.unused)):
            yield f"{process.name}: {name} is both in env and unused"


def _find(documents: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any] | None:
    return next((d for d in documents if d["kind"] == kind and d["metadata"]["name"] == name), None)


def _source_errors(container: dict[str, Any], wanted: list[str], documents: list[dict[str, Any]]) -> Iterator[str]:
    """Each wanted variable set from a ConfigMap or Secret (or assembled from such variables)."""
    from_config_maps: set[str] = set()
    for source in container.get("envFrom", []):
        config_map = _find(documents, "ConfigMap", source.get("configMapRef", {}).get("name", ""))
        if config_map is None:
            yield f"envFrom names a missing ConfigMap {source}"
        else:
            from_config_maps |= set(config_map.get("data", {}))
    entries = {entry["name"]: entry for entry in container.get("env", [])}

    def sourced(name: str, seen: frozenset[str] = frozenset()) -> bool:
        entry = entries.get(name)
        if entry is None:
            return name in from_config_maps
        value_from = entry.get("valueFrom", {})
        if "secretKeyRef" in value_from or "configMapKeyRef" in value_from:
            return True
        parts = _EXPANSION.findall(entry.get("value", ""))
        return bool(parts) and name not in seen and all(sourced(part, seen | {name}) for part in parts)

    for name in wanted:
        if not sourced(name):
            yield f"{name} is not set from a ConfigMap or a Secret"


def _secret_errors(container: dict[str, Any], documents: list[dict[str, Any]], overlay: str) -> Iterator[str]:
    documented = documented_secret_keys()
    generated = {d["metadata"]["name"] for d in documents if d["kind"] == "Secret"}
    for entry in container.get("env", []):
        reference = entry.get("valueFrom", {}).get("secretKeyRef")
        if reference is None:
            continue
        name, key = reference["name"], reference["key"]
        if name not in OPERATOR_SECRETS and (name, key) not in documented:
            yield f"reads Secret {name} key {key}, which deploy/k8s/README.md does not list"
        if overlay == "dev" and not reference.get("optional") and name not in generated | OPERATOR_SECRETS:
            yield f"reads Secret {name}, which the dev overlay does not generate"


def _deployment_errors(process: Process, deployment: dict[str, Any], documents: list[dict[str, Any]]) -> Iterator[str]:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    if len(containers) != 1:
        yield f"{len(containers)} containers, not one"
        return
    container = containers[0]
    if container.get("command") != process.command:
        yield f"command {container.get('command')} is not {process.command}"
    yield from _broker_user_errors(process, container)
    ports = {port["name"]: port["containerPort"] for port in container.get("ports", [])}
    if ports != process.ports:
        yield f"ports {ports} are not {process.ports}"
    for probe in ("startupProbe", "readinessProbe"):
        if container.get(probe, {}).get("httpGet", {}).get("port") != "metrics":
            yield f"{probe} is not on the metrics port"
    if container.get("readinessProbe", {}).get("httpGet", {}).get("path") != "/health/ready":
        yield "readinessProbe is not /health/ready"
    database = deployment["metadata"]["labels"].get("interlude.io/database")
    if database != process.store:
        yield f"label interlude.io/database {database} is not its store {process.store}"
    yield from _source_errors(container, process.env, documents)


def _migration_errors(documents: list[dict[str, Any]]) -> Iterator[str]:
    job = _find(documents, "Job", MIGRATION_JOB)
    if job is None:
        yield f"no Job {MIGRATION_JOB}"
        return
    containers = {c["name"]: c for c in job["spec"]["template"]["spec"]["containers"]}
    stores = migrations()
    if set(containers) != set(stores):
        yield f"Job {MIGRATION_JOB} migrates {sorted(containers)}, not {sorted(stores)}"
    for store, env in stores.items():
        container = containers.get(store)
        if container is None:
            continue
        if container.get("command") != ["interlude-migrate", store]:
            yield f"Job {MIGRATION_JOB}/{store}: command {container.get('command')}"
        yield from (f"Job {MIGRATION_JOB}/{store}: {error}" for error in _source_errors(container, env, documents))


def _pod_containers(documents: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for document in documents:
        if document["kind"] in ("Deployment", "Job"):
            for container in document["spec"]["template"]["spec"]["containers"]:
                yield f"{document['kind']}/{document['metadata']['name']}/{container['name']}", container


def _broker_user_errors(process: Process, container: dict[str, Any]) -> Iterator[str]:
    entries = {entry["name"]: entry for entry in container.get("env", [])}
    for variable in BROKER_CREDENTIALS:
        reference = entries.get(variable, {}).get("valueFrom", {}).get("secretKeyRef", {})
        if reference.get("name") != k8s_secret_name(process.name):
            yield f"{variable} is not read from its own Secret {k8s_secret_name(process.name)}"


def _bus_user_errors(documents: list[dict[str, Any]]) -> Iterator[str]:
    """The topology operator's objects, as scripts/bus_users.py derives them (namespaces aside)."""

    def key(document: dict[str, Any]) -> tuple[str, str]:
        return document["kind"], document["metadata"]["name"]

    def comparable(document: dict[str, Any]) -> dict[str, Any]:
        return {"apiVersion": document["apiVersion"], "kind": document["kind"], "spec": document["spec"]}

    rendered = {key(d): comparable(d) for d in documents if d["kind"] in BUS_KINDS}
    derived = {key(d): comparable(d) for d in k8s_documents()}
    for kind, name in sorted(set(rendered) | set(derived)):
        if rendered.get((kind, name)) != derived.get((kind, name)):
            yield f"{kind}/{name}: not as scripts/bus_users.py derives it (run: python scripts/bus_users.py k8s)"


def manifest_errors(documents: list[dict[str, Any]], overlay: str) -> list[str]:
    """Everything the rendered ``overlay`` gets wrong against deploy/processes.yaml."""
    listed = processes()
    errors: list[str] = []
    deployments = {d["metadata"]["name"]: d for d in documents if d["kind"] == "Deployment"}
    for name in sorted(set(deployments) - set(listed)):
        errors.append(f"Deployment/{name}: not a process of deploy/processes.yaml")
    for name, process in listed.items():
        deployment = deployments.get(name)
        if deployment is None:
            errors.append(f"Deployment/{name}: missing (deploy/processes.yaml lists it)")
            continue
        errors += [f"Deployment/{name}: {error}" for error in _deployment_errors(process, deployment, documents)]
        service = _find(documents, "Service", name)
        service_ports = {port["name"] for port in (service or {}).get("spec", {}).get("ports", [])}
        if service_ports != set(process.ports):
            errors.append(f"Service/{name}: ports {sorted(service_ports)}, not {sorted(process.ports)}")
        if overlay == "prod" and _find(documents, "NetworkPolicy", name) is None:
            errors.append(f"NetworkPolicy/{name}: missing, so everything is denied to it")
    errors += _migration_errors(documents)
    errors += list(_bus_user_errors(documents))
    for where, container in _pod_containers(documents):
        errors += [f"{where}: {error}" for error in _secret_errors(container, documents, overlay)]
    return errors
