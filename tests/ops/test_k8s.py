"""`make k8s`: every overlay renders and validates offline; the checks catch what they claim to."""

import copy
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import k8s_check  # noqa: E402


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[dict]]:
    return {overlay.name: k8s_check.render(overlay) for overlay in k8s_check.overlays()}


def find(documents: list[dict], kind: str, name: str) -> dict:
    return next(d for d in documents if d["kind"] == kind and d["metadata"]["name"] == name)


def test_make_k8s_renders_and_validates_every_overlay() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "k8s_check.py")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "dev:" in result.stdout and "prod:" in result.stdout


def test_every_overlay_is_clean(rendered: dict[str, list[dict]]) -> None:
    for documents in rendered.values():
        problems = [p for d in documents for p in [*k8s_check.schema_errors(d), *k8s_check.policy_errors(d)]]
        assert problems == []


def test_unknown_field_in_a_builtin_kind_fails_strict_schema(rendered: dict[str, list[dict]]) -> None:
    deployment = copy.deepcopy(find(rendered["prod"], "Deployment", "reporting"))
    deployment["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}
    assert k8s_check.schema_errors(deployment)


def test_custom_resources_are_checked_against_vendored_schemas(rendered: dict[str, list[dict]]) -> None:
    cluster = copy.deepcopy(find(rendered["prod"], "Cluster", "interlude-db"))
    assert cluster["spec"]["instances"] == 3
    cluster["spec"]["instances"] = "three"
    assert k8s_check.schema_errors(cluster)


def test_policy_catches_a_root_pod_and_a_scaled_relay(rendered: dict[str, list[dict]]) -> None:
    relay = copy.deepcopy(find(rendered["prod"], "Deployment", "assignments-relay"))
    assert list(k8s_check.policy_errors(relay)) == []
    relay["spec"]["replicas"] = 2
    del relay["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"]
    relay["spec"]["template"]["spec"]["containers"][0]["securityContext"]["readOnlyRootFilesystem"] = False
    problems = " ".join(k8s_check.policy_errors(relay))
    assert "runAsNonRoot" in problems and "read-only" in problems and "Recreate" in problems


def test_prod_reads_credentials_only_from_secrets(rendered: dict[str, list[dict]]) -> None:
    prod = rendered["prod"]
    assert not [d for d in prod if d["kind"] == "Secret"]
    for deployment in (d for d in prod if d["kind"] == "Deployment"):
        env = {e["name"]: e for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
        assert "secretKeyRef" in env["RABBITMQ_PASSWORD"]["valueFrom"]
        if "DATABASE_URL" in env:
            assert "secretKeyRef" in env["DATABASE_PASSWORD"]["valueFrom"]
            assert "$(DATABASE_PASSWORD)" in env["DATABASE_URL"]["value"]


def test_each_process_reaches_only_the_broker_and_its_own_database(rendered: dict[str, list[dict]]) -> None:
    policies = {d["metadata"]["name"]: d for d in rendered["prod"] if d["kind"] == "NetworkPolicy"}
    gateway_ports = {p["port"] for rule in policies["gateway"]["spec"]["egress"] for p in rule["ports"]}
    assert 5432 not in gateway_ports and 5672 in gateway_ports
    reporting_ports = {p["port"] for rule in policies["reporting"]["spec"]["egress"] for p in rule["ports"]}
    assert reporting_ports == {53, 5672, 5432}
    assert "interlude-default-deny" in policies
