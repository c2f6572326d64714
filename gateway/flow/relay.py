"""`fundament relay`: publish every tenant's stored events to Kafka until stopped.

SIGTERM or SIGINT ends the relay after the round it is publishing; positions are recorded
per acknowledged round, so a SIGKILL is safe too (the next start re-publishes a tail).
"""

import argparse
import logging
import os
import signal
import sys
import threading
from types import FrameType
from typing import Any

from gateway.telemetry import configure_tracing_from_env, shutdown_tracing
from projections.relay import PublishFailedError, Relay, RelayBusyError, RelayOptions
from projections.settings import FlowSettings
from tenants.settings import StorageSettings

log = logging.getLogger("fundament.relay")


def register(commands: "argparse._SubParsersAction[Any]") -> None:
    """Add the `relay` command to the CLI."""
    relay = commands.add_parser(
        "relay",
        help="publish tenants' stored events to Kafka (FUNDAMENT_STORE=postgres)",
        description=__doc__,
    )
    relay.add_argument(
        "--sweep-seconds",
        type=float,
        default=RelayOptions.sweep_seconds,
        help="read every tenant this often, notified or not (default %(default)s)",
    )
    relay.add_argument(
        "--batch-size",
        type=int,
        default=RelayOptions.batch_size,
        help="events per tenant page and per flush (default %(default)s)",
    )
    relay.add_argument("--once", action="store_true", help="publish what is pending, then exit")
    relay.set_defaults(handler=run_relay)


def run_relay(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    configure_tracing_from_env(os.environ, "fundament-relay")
    settings = StorageSettings.from_env(os.environ)
    flow = FlowSettings.from_env(os.environ)
    options = RelayOptions(batch_size=args.batch_size, sweep_seconds=args.sweep_seconds)
    relay = Relay.open(settings, flow, options)
    try:
        if args.once:
            return _publish_once(relay)
        stop = threading.Event()
        _stop_on_signals(stop)
        log.info("relaying to %s on %s", flow.topic, flow.bootstrap)
        relay.run_forever(stop)
        log.info("stopped after %d failed rounds", relay.failures)
        return 0
    finally:
        relay.close()
        relay.stores.close()
        shutdown_tracing()


def _publish_once(relay: Relay) -> int:
    try:
        published = relay.run_once()
    except (RelayBusyError, PublishFailedError) as error:
        print(f"fundament: {error}", file=sys.stderr)  # noqa: T201
        return 1
    total = sum(published.values())
    print(f"published {total} events of {len(published)} tenant(s)")  # noqa: T201
    return 0


def _stop_on_signals(stop: threading.Event) -> None:
    def request_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("%s: finishing the current round", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
