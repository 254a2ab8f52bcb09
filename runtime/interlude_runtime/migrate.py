"""``interlude-migrate SERVICE...``: create each service's database and tables before a rollout.

Every service also creates what it needs on start; running this first (the
Kubernetes migration Job) means a new version's schema exists before any
replica of it takes traffic, and a failing migration stops the rollout.
Each service registers its migration under the ``interlude.migrations``
entry-point group, so this runner needs no import of any service.
"""

import argparse
import logging
import os
import sys
from collections.abc import Callable, Mapping
from functools import partial
from importlib.metadata import entry_points

from .schema import created_despite_races

log = logging.getLogger(__name__)

Migration = Callable[[Mapping[str, str]], None]


def migrations() -> dict[str, Migration]:
    return {entry.name: entry.load() for entry in entry_points(group="interlude.migrations")}


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(message)s")
    known = migrations()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("services", nargs="+", choices=sorted(known), help="whose store to create or migrate")
    arguments = parser.parse_args(argv)
    for service in arguments.services:
        log.info("migrating %s", service)
        created_despite_races(partial(known[service], os.environ))
        log.info("%s migrated", service)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
