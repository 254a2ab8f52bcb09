"""One list of processes (deploy/processes.yaml) behind scripts/stack.py and deploy/k8s, held to the code."""

import copy
import dataclasses
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import k8s_check  # noqa: E402
import stack  # noqa: E402
from k8s_processes import (  # noqa: E402
    bus_code_errors,
    code_errors,
    documented_secret_keys,
    manifest_errors,
    variables_in_config,
    variables_in_python,
)
from processes import migrations, processes  # noqa: E402


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[dict]]:
    return {overlay.name: k8s_check.render(overlay) for overlay in k8s_check.overlays()}


def deployment(documents: list[dict], name: str) -> dict:
    return next(d for d in documents if d["kind"] == "Deployment" and d["metadata"]["name"] == name)


def container_env(document: dict) -> list[dict]:
    return document["spec"]["template"]["spec"]["containers"][0]["env"]


def test_every_overlay_runs_exactly_the_listed_processes_with_what_they_read(rendered: dict[str, list[dict]]) -> None:
    assert set(rendered) == {"dev", "prod"}
    for overlay, documents in rendered.items():
        assert manifest_errors(documents, overlay) == []


def test_the_list_names_every_variable_the_code_reads() -> None:
    assert list(code_errors()) == []


def test_the_list_has_every_process_login_and_recurrences_need() -> None:
    listed = processes()
    assert {"identity", "notifications-relay", "gateway"} <= set(listed)
    assert {name for name, p in listed.items() if p.kind == "relay"} == {
        "activities-relay",
        "assignments-relay",
        "notifications-relay",
    }
    assert set(migrations()) == {p.store for p in listed.values() if p.store}


def test_the_local_stack_starts_the_same_processes_with_the_same_commands() -> None:
    commands = stack.process_commands()
    assert set(commands) == set(processes())
    for name, process in processes().items():
        store, command = commands[name]
        assert store == process.store
        assert command[1:] == process.command[1:]
        assert Path(command[0]) == stack.BIN / process.command[0] and Path(command[0]).exists()
        for argument in command[1:]:
            if argument.endswith(".yaml"):
                assert (ROOT / argument).exists()


class FakePopen:
    """Records what Stack would run instead of running it."""

    def __init__(self, command: list[str], env: dict[str, str], **_: object) -> None:
        self.command = command
        self.env = env


def test_replicas_start_as_instances_of_their_process_each_gateway_on_its_own_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stack.subprocess, "Popen", FakePopen)
    local = stack.Stack(
        gateway_address="127.0.0.1:8001",
        more_gateway_addresses=["127.0.0.1:8002"],
        replicas={"assignments": 2, "gateway": 2},
        data_dir=tmp_path / "data",
        log_dir=tmp_path / "log",
    )
    local.start(["assignments", "gateway", "assignments-relay"])
    assert set(local.processes) == {"assignments", "assignments-2", "gateway", "gateway-2", "assignments-relay"}
    assert local.processes["assignments-2"].command == local.processes["assignments"].command
    assert local.processes["gateway-2"].env["GATEWAY_ADDRESS"] == "127.0.0.1:8002"
    assert local.urls == ["http://127.0.0.1:8001", "http://127.0.0.1:8002"]
    assert (tmp_path / "log" / "assignments-2.log").exists()
    assert [stack.process_of(name) for name in ("assignments-2", "gateway", "assignments-relay")] == [
        "assignments",
        "gateway",
        "assignments-relay",
    ]
    local.processes.pop("assignments-2")
    local.restart("assignments-2")
    assert len(local.processes) == 5


def test_a_relay_is_never_replicated_and_each_gateway_needs_an_address(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="relay"):
        stack.Stack(replicas={"assignments-relay": 2}, log_dir=tmp_path, data_dir=tmp_path).start()
    with pytest.raises(ValueError, match="address"):
        stack.Stack(replicas={"gateway": 2}, log_dir=tmp_path, data_dir=tmp_path).start()


def test_identity_and_the_notifications_relay_run_in_the_cluster(rendered: dict[str, list[dict]]) -> None:
    prod = rendered["prod"]
    identity_env = {e["name"]: e for e in container_env(deployment(prod, "identity"))}
    assert identity_env["DATABASE_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == "interlude-db-identity"
    relay = deployment(prod, "notifications-relay")
    assert relay["spec"]["replicas"] == 1 and relay["spec"]["strategy"] == {"type": "Recreate"}
    assert list(k8s_check.policy_errors(relay)) == []
    job = next(d for d in prod if d["kind"] == "Job")
    assert ["interlude-migrate", "identity"] in [c["command"] for c in job["spec"]["template"]["spec"]["containers"]]
    roles = next(d for d in prod if d["kind"] == "Cluster")["spec"]["managed"]["roles"]
    assert "identity" in {role["name"] for role in roles}


def test_a_missing_process_is_reported(rendered: dict[str, list[dict]]) -> None:
    documents = [d for d in rendered["prod"] if not (d["kind"] == "Deployment" and d["metadata"]["name"] == "identity")]
    assert "Deployment/identity: missing (deploy/processes.yaml lists it)" in manifest_errors(documents, "prod")


def test_a_variable_not_set_or_set_as_a_literal_is_reported(rendered: dict[str, list[dict]]) -> None:
    documents = copy.deepcopy(rendered["prod"])
    assignments = container_env(deployment(documents, "assignments"))
    assignments[:] = [e for e in assignments if e["name"] != "CLIENT_DATA_MASTER_KEY"]
    gateway = container_env(deployment(documents, "gateway"))
    secret = next(e for e in gateway if e["name"] == "GATEWAY_TOKEN_SECRET")
    secret.pop("valueFrom")
    secret["value"] = "written-into-the-manifest"
    errors = manifest_errors(documents, "prod")
    assert "Deployment/assignments: CLIENT_DATA_MASTER_KEY is not set from a ConfigMap or a Secret" in errors
    assert "Deployment/gateway: GATEWAY_TOKEN_SECRET is not set from a ConfigMap or a Secret" in errors


def test_an_undocumented_secret_and_a_secret_dev_does_not_make_are_reported(rendered: dict[str, list[dict]]) -> None:
    documents = copy.deepcopy(rendered["dev"])
    documents = [
        d for d in documents if not (d["kind"] == "Secret" and d["metadata"]["name"] == "interlude-db-identity")
    ]
    env = container_env(deployment(documents, "reporting"))
    env.append({"name": "EXTRA", "valueFrom": {"secretKeyRef": {"name": "interlude-undocumented", "key": "k"}}})
    errors = " ".join(manifest_errors(documents, "dev"))
    assert "Deployment/reporting/reporting: reads Secret interlude-undocumented key k" in errors
    assert "Deployment/identity/identity: reads Secret interlude-db-identity, which the dev overlay" in errors


def test_the_migration_job_must_cover_every_store(rendered: dict[str, list[dict]]) -> None:
    documents = copy.deepcopy(rendered["prod"])
    job = next(d for d in documents if d["kind"] == "Job")
    containers = job["spec"]["template"]["spec"]["containers"]
    containers[:] = [c for c in containers if c["name"] != "identity"]
    assert any("migrates" in error and "identity" in error for error in manifest_errors(documents, "prod"))


def test_reads_are_found_in_python_and_in_nameko_configs() -> None:
    source = 'a = os.environ.get("ONE", "x")\nb = environ["TWO"]\nc = os.getenv("THREE")\nKEY_VARIABLE = "FOUR"\n'
    assert variables_in_python(source) == {"ONE", "TWO", "THREE", "FOUR"}
    assert variables_in_python('request.environ.get("headers_raw")') == set()
    assert variables_in_config("# ${VAR:default} in a comment\nA: ${FIVE:1}\n") == {"FIVE"}


def test_the_readme_documents_every_secret_a_deployment_needs() -> None:
    documented = documented_secret_keys()
    for pair in [
        ("interlude-db-identity", "password"),
        ("interlude-client-data", "master-key"),
        ("interlude-gateway", "token-secret"),
        ("interlude-gateway", "previous-token-secrets"),
    ]:
        assert pair in documented


def test_the_rpc_queues_migrated_are_those_of_the_listed_services() -> None:
    """interlude-migrate-queues replaces `rpc-<service>` for each service the topology names: every one, no other."""
    from interlude_contracts.topology import RPC_SERVICES

    assert set(RPC_SERVICES) == {name for name, process in processes().items() if process.kind == "service"}


def test_each_process_reads_its_own_broker_user_and_the_cluster_declares_exactly_the_derived_ones(
    rendered: dict[str, list[dict]],
) -> None:
    """Issue 15: one shared broker user let anyone who reached RabbitMQ publish any event (docs/security.md)."""
    for overlay, documents in rendered.items():
        users = {d["spec"]["importCredentialsSecret"]["name"] for d in documents if d["kind"] == "User"}
        assert users == {f"interlude-bus-{name}" for name in processes()}, overlay
    documents = copy.deepcopy(rendered["prod"])
    gateway = container_env(deployment(documents, "gateway"))
    for entry in gateway:
        if entry["name"] in ("RABBITMQ_USER", "RABBITMQ_PASSWORD"):
            entry["valueFrom"]["secretKeyRef"]["name"] = "interlude-rabbitmq-default-user"
    permission = next(
        d for d in documents if d["kind"] == "Permission" and d["metadata"]["name"] == "interlude-gateway"
    )
    permission["spec"]["permissions"]["write"] = ".*"
    errors = manifest_errors(documents, "prod")
    assert "Deployment/gateway: RABBITMQ_USER is not read from its own Secret interlude-bus-gateway" in errors
    assert any(
        error.startswith("Permission/interlude-gateway: not as scripts/bus_users.py derives it") for error in errors
    )


def test_a_bus_entry_that_departs_from_the_code_is_reported() -> None:
    """A consumer queue or an RPC proxy added to the code without its bus entry would be refused by the broker."""
    assert list(bus_code_errors(processes()["reporting"])) == []
    reporting = processes()["reporting"]
    narrowed = dataclasses.replace(reporting, bus=dataclasses.replace(reporting.bus, consumes=(), calls={}))
    errors = list(bus_code_errors(narrowed))
    assert "consumes ['reporting.events'] in its code, but its bus entry says []" in errors
    assert "calls ['activities', 'assignments'] in its code, but its bus entry says []" in errors
