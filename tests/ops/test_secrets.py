"""Outside development mode a process refuses to start without its secrets (issue 15, finding 2).

Each process is started as `make run` and Kubernetes start it, as a subprocess, without
INTERLUDE_DEVELOPMENT: with a secret unset or equal to a development default published in this
repository it must exit non-zero with one line naming the variable; with real secrets the gateway
runs and refuses tokens signed with the development defaults.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from interlude_gateway.auth import DEVELOPMENT_TOKEN_SECRETS, Caller, TokenSigner
from interlude_runtime.secrets import DEVELOPMENT_VARIABLE
from interlude_runtime.shredding import DEVELOPMENT_MASTER_KEY

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from support import ROOT, free_port, wait_until

pytestmark = [pytest.mark.rabbitmq]

BIN = Path(sys.executable).parent
REAL_TOKEN_SECRET = "ops-secrets-test-" + os.urandom(16).hex()


def nameko(config: str, service: str) -> list[str]:
    return [str(BIN / "nameko"), "run", "--config", str(ROOT / config), service]


GATEWAY = nameko("gateway/config.yaml", "interlude_gateway.service:GatewayService")
ASSIGNMENTS = nameko("services/assignments/config.yaml", "interlude_assignments.service:AssignmentsService")
IDENTITY = nameko("services/identity/config.yaml", "interlude_identity.service:IdentityService")
ASSIGNMENTS_RELAY = [str(BIN / "interlude-assignments-relay")]


def production_env(amqp_uri: str, data_dir: Path, **variables: str) -> dict[str, str]:
    """The environment of a process outside development mode, with only the given secrets."""
    env = {key: value for key, value in os.environ.items() if key not in SECRET_VARIABLES}
    env.pop(DEVELOPMENT_VARIABLE, None)
    return {
        **env,
        "AMQP_URI": amqp_uri,
        "INTERLUDE_DATA_DIR": str(data_dir),
        "GATEWAY_ADDRESS": f"127.0.0.1:{free_port()}",
        "PYTHONWARNINGS": "ignore",
        **variables,
    }


SECRET_VARIABLES = ("GATEWAY_TOKEN_SECRET", "GATEWAY_TOKEN_PREVIOUS_SECRETS", "CLIENT_DATA_MASTER_KEY", "DATABASE_URL")


def refusal(command: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Exit status and output of a process expected to stop at once (a hang past 60 s fails the test)."""
    finished = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    return finished.returncode, finished.stdout + finished.stderr


CASES = {
    "gateway without a token secret": (GATEWAY, {}, "GATEWAY_TOKEN_SECRET is not set"),
    "gateway on the former default": (
        GATEWAY,
        {"GATEWAY_TOKEN_SECRET": DEVELOPMENT_TOKEN_SECRETS[0]},
        "GATEWAY_TOKEN_SECRET is a public development default",
    ),
    "gateway on the dev overlay's secret": (
        GATEWAY,
        {"GATEWAY_TOKEN_SECRET": DEVELOPMENT_TOKEN_SECRETS[1]},
        "GATEWAY_TOKEN_SECRET is a public development default",
    ),
    "assignments without a master key": (ASSIGNMENTS, {}, "CLIENT_DATA_MASTER_KEY is not set"),
    "assignments on the development key": (
        ASSIGNMENTS,
        {"CLIENT_DATA_MASTER_KEY": DEVELOPMENT_MASTER_KEY},
        "CLIENT_DATA_MASTER_KEY is a public development default",
    ),
    "assignments relay without a master key": (ASSIGNMENTS_RELAY, {}, "CLIENT_DATA_MASTER_KEY is not set"),
    "identity seeding the demo accounts": (
        IDENTITY,
        {},
        "IDENTITY_SEED_DEMO would seed operator@interlude.local with a published demo password",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_process_refuses_to_start_without_its_secret(case: str, amqp_uri: str, tmp_path: Path) -> None:
    command, variables, message = CASES[case]

    status, output = refusal(command, production_env(amqp_uri, tmp_path, **variables))

    assert status != 0
    refusals = [line for line in output.splitlines() if "CRITICAL" in line]
    assert len(refusals) == 1 and message in refusals[0], output[-3000:]
    assert "Traceback" not in output, output[-3000:]


def test_with_a_real_secret_the_gateway_runs_and_refuses_tokens_of_the_development_defaults(
    amqp_uri: str, tmp_path: Path
) -> None:
    env = production_env(amqp_uri, tmp_path, GATEWAY_TOKEN_SECRET=REAL_TOKEN_SECRET)
    base = f"http://{env['GATEWAY_ADDRESS']}"
    log = open(tmp_path / "gateway.log", "wb")  # noqa: SIM115 - owned by the child
    gateway = subprocess.Popen(GATEWAY, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: answers(f"{base}/health"), timeout=60, what="the gateway to answer")
        for secret in DEVELOPMENT_TOKEN_SECRETS:
            for caller in (Caller("invented", "operator", "interlude"), Caller("invented", "clinic_admin", "c-1")):
                forged = TokenSigner(secret, 600).issue(caller)
                response = requests.get(f"{base}/clinics", headers={"Authorization": f"Bearer {forged}"}, timeout=10)
                assert response.status_code == 401, (secret, caller, response.text)
        assert gateway.poll() is None
    finally:
        gateway.terminate()
        gateway.wait(timeout=15)
        log.close()


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code < 500
    except requests.RequestException:
        time.sleep(0.2)
        return False
