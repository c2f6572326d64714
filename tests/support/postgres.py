"""A plain autocommit connection to the test PostgreSQL server, for checks behind the app's back."""

import psycopg

from tenants.settings import StorageSettings


def connect(settings: StorageSettings) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(
        host=settings.host,
        port=settings.port,
        dbname=settings.dbname,
        user=settings.user,
        password=settings.password,
        autocommit=True,
    )
