"""`fundament project`: a projection worker feeding every read model from the event topic.

It needs PostgreSQL (``FUNDAMENT_STORE=postgres``): the read models go into the schema
``FUNDAMENT_READ_SCHEMA`` beside the tenants' stores; the embedded SQLite default feeds its
read models in-process and has no use for a worker. SIGTERM or Ctrl-C finishes the batch
in hand and exits 0.
"""

import argparse
import logging
import os
import signal
import threading
from typing import Any

from gateway.telemetry import configure_tracing_from_env, shutdown_tracing
from tenants.settings import StorageSettings

log = logging.getLogger("fundament.project")


def register(commands: "argparse._SubParsersAction[Any]") -> None:
    """Add the `project` command to the CLI."""
    project = commands.add_parser(
        "project", help="project the event topic into the read models (PostgreSQL)"
    )
    project.add_argument(
        "--name",
        default="projections",
        help="consumer name keying the stored offsets (workers sharing it split partitions)",
    )
    project.add_argument(
        "--partitions",
        type=_partitions,
        help="comma-separated partitions this worker owns, e.g. 0,1,2 (default: all)",
    )
    project.add_argument(
        "--group-id", help="also commit offsets to this Kafka group, for lag monitoring"
    )
    project.add_argument(
        "--batch", type=int, default=500, help="most records per poll and transaction"
    )
    project.set_defaults(handler=run_project)


def run_project(args: argparse.Namespace) -> int:
    from projections.read_models.registry import all_read_models
    from projections.settings import FlowSettings
    from projections.storage import open_read_store
    from projections.worker import Worker, WorkerSettings
    from projections.worker_offsets import OffsetConflictError

    storage = StorageSettings.from_env(os.environ)
    if storage.backend != "postgres":
        raise ValueError("`fundament project` needs PostgreSQL: set FUNDAMENT_STORE=postgres")
    flow = FlowSettings.from_env(os.environ)
    settings = WorkerSettings.of(
        flow,
        name=args.name,
        partitions=args.partitions,
        group_id=args.group_id,
        max_records=args.batch,
    )
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("kafka").setLevel(logging.WARNING)  # it logs every connection at INFO
    configure_tracing_from_env(os.environ, "fundament-project")
    store = open_read_store(storage, flow.read_schema)
    worker = Worker(settings, store, all_read_models())
    stop = _stop_on_signals()
    try:
        worker.run_forever(stop)
    except OffsetConflictError as error:
        log.error("%s", error)
        return 3
    finally:
        worker.close()
        store.close()
        shutdown_tracing()
    return 0


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda _signum, _frame: stop.set())
    return stop


def _partitions(text: str) -> tuple[int, ...]:
    try:
        chosen = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of partition numbers: {text!r}") from None
    if not chosen or any(p < 0 for p in chosen):
        raise argparse.ArgumentTypeError(f"not a list of partition numbers: {text!r}")
    return chosen
