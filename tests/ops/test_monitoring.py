"""The alert rules and the dashboard parse and name only metrics the code defines."""

import importlib
import json
import re
from pathlib import Path

import yaml
from prometheus_client import REGISTRY
from prometheus_client.metrics import MetricWrapperBase

from interlude_runtime import metrics

MONITORING = Path(__file__).resolve().parent.parent.parent / "deploy" / "monitoring"
METRIC_NAME = re.compile(r"\binterlude_[a-z_]+\b")
SUFFIXES = ("_bucket", "_count", "_sum", "_total", "_created")


SERVICE_MODULES = (
    "interlude_activities.service",
    "interlude_assignments.service",
    "interlude_notifications.service",
    "interlude_reporting.service",
    "interlude_identity.service",
    "interlude_gateway.service",
)


def defined_metrics() -> set[str]:
    """Family names (``_total`` and histogram suffixes stripped, as Prometheus does), of every process."""
    for module in SERVICE_MODULES:
        importlib.import_module(module)  # each defines its own metrics at import
    wrappers = [value for value in vars(metrics).values() if isinstance(value, MetricWrapperBase)]
    shared = {family.name for wrapper in wrappers for family in wrapper.describe()}
    registered = {name for names in REGISTRY._collector_to_names.values() for name in names}
    return shared | {base_name(name) for name in registered}


def base_name(sample: str) -> str:
    for suffix in SUFFIXES:
        if sample.endswith(suffix):
            return sample[: -len(suffix)]
    return sample


def test_alert_rules_parse_and_use_only_defined_metrics() -> None:
    rules = yaml.safe_load((MONITORING / "alerts.yaml").read_text())
    alerts = [rule for group in rules["groups"] for rule in group["rules"]]
    assert {"InterludeRelayLagging", "InterludeProjectionLagging", "InterludeDeadLettersGrowing"} <= {
        rule["alert"] for rule in alerts
    }
    defined = defined_metrics()
    for rule in alerts:
        assert rule["expr"].count("(") == rule["expr"].count(")"), rule["alert"]
        used = {base_name(name) for name in METRIC_NAME.findall(rule["expr"])}
        assert used, rule["alert"]
        assert used <= defined, f"{rule['alert']} names {used - defined}"


def test_dashboard_queries_use_only_defined_metrics() -> None:
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    used = {base_name(name) for expr in expressions for name in METRIC_NAME.findall(expr)}
    assert "interlude_projection_lag_events" in used and "interlude_relay_lag_events" in used
    assert used <= defined_metrics()
