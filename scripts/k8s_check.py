"""Render every Kustomize overlay and validate it offline: ``make k8s``.

- ``kubectl kustomize`` (the kubectl wheel from PyPI, with kustomize built in) renders each overlay;
- every built-in kind is validated, strictly (unknown fields fail), against the Kubernetes JSON
  schemas that the ``kubernetes-validate`` package ships;
- the operators' custom resources (RabbitmqCluster, the topology operator's User, Permission and
  TopicPermission, CNPG Cluster and ScheduledBackup, ServiceMonitor)
  against the minimal schemas vendored in ``deploy/k8s/schemas/`` (no package ships them);
- and the project's own rules: every pod non-root with a read-only root filesystem, requests and
  limits, probes on every long-running container, and each relay a single Recreate replica;
- that the base runs exactly the processes of ``deploy/processes.yaml``, each with every variable it reads
  (``tests/ops/test_processes.py``, which ``make k8s`` runs too).

The rendered manifests are written to ``var/k8s/<overlay>.yaml``. Exits non-zero on any failure.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml
from k8s_processes import code_errors, manifest_errors
from processes import processes

ROOT = Path(__file__).resolve().parent.parent
K8S = ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.33.0"
KUBECTL = Path(sys.executable).parent / "kubectl"
CUSTOM_SCHEMAS = {
    ("rabbitmq.com/v1beta1", "RabbitmqCluster"): "rabbitmqcluster-rabbitmq.com-v1beta1.json",
    ("rabbitmq.com/v1beta1", "User"): "user-rabbitmq.com-v1beta1.json",
    ("rabbitmq.com/v1beta1", "Permission"): "permission-rabbitmq.com-v1beta1.json",
    ("rabbitmq.com/v1beta1", "TopicPermission"): "topicpermission-rabbitmq.com-v1beta1.json",
    ("postgresql.cnpg.io/v1", "Cluster"): "cluster-postgresql.cnpg.io-v1.json",
    ("postgresql.cnpg.io/v1", "ScheduledBackup"): "scheduledbackup-postgresql.cnpg.io-v1.json",
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "servicemonitor-monitoring.coreos.com-v1.json",
}
RELAYS = {name for name, process in processes().items() if process.kind == "relay"}


def overlays() -> list[Path]:
    return sorted(path for path in (K8S / "overlays").iterdir() if (path / "kustomization.yaml").exists())


def render(overlay: Path) -> list[dict[str, Any]]:
    kubectl = str(KUBECTL) if KUBECTL.exists() else "kubectl"
    output = subprocess.run([kubectl, "kustomize", str(overlay)], check=True, capture_output=True, text=True).stdout
    return [document for document in yaml.safe_load_all(output) if document]


def schema_errors(document: dict[str, Any]) -> list[str]:
    custom = CUSTOM_SCHEMAS.get((document["apiVersion"], document["kind"]))
    if custom:
        schema = json.loads((K8S / "schemas" / custom).read_text())
        return [error.message for error in jsonschema.Draft7Validator(schema).iter_errors(document)]
    try:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        return [f"{'/'.join(map(str, error.path))}: {error.message}"]
    except kubernetes_validate.SchemaNotFoundError:
        return [f"no schema for {document['apiVersion']} {document['kind']}"]
    return []


def pod_spec(document: dict[str, Any]) -> dict[str, Any] | None:
    if document["kind"] in ("Deployment", "StatefulSet", "Job"):
        return document["spec"]["template"]["spec"]
    return None


def policy_errors(document: dict[str, Any]) -> Iterator[str]:
    spec = pod_spec(document)
    if spec is None:
        return
    long_running = document["kind"] != "Job"
    if not spec.get("securityContext", {}).get("runAsNonRoot"):
        yield "pod does not set runAsNonRoot"
    for container in spec["containers"]:
        context = container.get("securityContext", {})
        if not context.get("readOnlyRootFilesystem"):
            yield f"{container['name']}: root filesystem not read-only"
        if context.get("allowPrivilegeEscalation", True):
            yield f"{container['name']}: privilege escalation allowed"
        resources = container.get("resources", {})
        for part in ("requests", "limits"):
            if not {"cpu", "memory"} <= set(resources.get(part, {})):
                yield f"{container['name']}: {part} for cpu and memory missing"
        if long_running:
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                if probe not in container:
                    yield f"{container['name']}: no {probe}"
    single_recreate = document["spec"].get("replicas") == 1 and document["spec"].get("strategy", {}) == {
        "type": "Recreate"
    }
    if document["metadata"]["name"] in RELAYS and not single_recreate:
        yield "a relay must be one replica with strategy Recreate"


def check(overlay: Path) -> list[str]:
    documents = render(overlay)
    out = ROOT / "var" / "k8s" / f"{overlay.name}.yaml"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump_all(documents, sort_keys=False))
    failures = []
    for document in documents:
        where = f"{overlay.name}: {document['kind']}/{document['metadata']['name']}"
        failures += [f"{where}: {error}" for error in schema_errors(document)]
        failures += [f"{where}: {error}" for error in policy_errors(document)]
    failures += [f"{overlay.name}: {error}" for error in manifest_errors(documents, overlay.name)]
    kinds: dict[str, int] = {}
    for document in documents:
        kinds[document["kind"]] = kinds.get(document["kind"], 0) + 1
    summary = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
    print(
        f"{overlay.name}: {len(documents)} objects valid against Kubernetes {KUBERNETES_VERSION} ({summary})"
        if not failures
        else f"{overlay.name}: {len(failures)} problems"
    )
    return failures


def main() -> None:
    failures = [f"code: {error}" for error in code_errors()]
    failures += [failure for overlay in overlays() for failure in check(overlay)]
    for failure in failures:
        print(f"  {failure}", file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
