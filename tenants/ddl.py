"""Creating tables and functions on PostgreSQL while other processes may be doing the same."""

from typing import Any

from eventsourcing.persistence import IntegrityError, InternalError, ProgrammingError
from eventsourcing.postgres import PostgresDatastore

_ATTEMPTS = 3


def create_idempotently(datastore: PostgresDatastore, statements: tuple[Any, ...]) -> None:
    """Run ``CREATE … IF NOT EXISTS`` or ``CREATE OR REPLACE`` statements in one transaction.

    Two processes running the same DDL at once can still fail the loser (a unique violation
    on the catalog, "tuple concurrently updated"); the statements are idempotent, so trying
    again succeeds.
    """
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            with datastore.transaction(commit=True) as cursor:
                for statement in statements:
                    cursor.execute(statement)
            return
        except (IntegrityError, InternalError, ProgrammingError):
            if attempt == _ATTEMPTS:
                raise
