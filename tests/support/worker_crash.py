"""A projection worker that dies (exit status 9) right after its first database commit,
before it tells Kafka its offsets: the moment a crash hurts most.

    python -m tests.support.worker_crash BOOTSTRAP TOPIC READ_SCHEMA CONSUMER GROUP_ID

Storage settings come from the FUNDAMENT_* environment, as for ``fundament project``.
"""

import os
import sys
import threading

from projections.storage import PostgresReadStore
from projections.worker import Worker, WorkerSettings
from tenants.settings import StorageSettings
from tests.integration.flow.helpers_worker import read_models


def _die_before_the_kafka_commit(_worker: Worker, _next_offsets: dict[int, int]) -> None:
    os._exit(9)


def main(bootstrap: str, topic: str, schema: str, consumer: str, group_id: str) -> None:
    Worker._commit_kafka_offsets = _die_before_the_kafka_commit  # type: ignore[method-assign,assignment]
    store = PostgresReadStore(StorageSettings.from_env(os.environ), schema)
    settings = WorkerSettings(bootstrap, topic, name=consumer, group_id=group_id)
    Worker(settings, store, read_models()).run_forever(threading.Event())


if __name__ == "__main__":
    main(*sys.argv[1:6])
