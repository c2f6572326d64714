"""Wakes the relay when a tenant stores events, instead of polling every tenant's table.

Every insert into a tenant's events table also runs ``NOTIFY <table name>`` in the same
transaction (``tenants.recorders``), so a notification arrives only once the events are
committed and readable. Notifications carry no position and PostgreSQL may fold several
into one, so they only say *which* tenants to read; the relay's positions say from where.
A notification sent while the listener was not connected is lost, which is why the relay
also sweeps every tenant now and then.
"""

from collections.abc import Iterable

import psycopg
from psycopg import sql

from tenants.settings import StorageSettings


class ChangeListener:
    """One dedicated autocommit connection LISTENing on many channels."""

    def __init__(self, settings: StorageSettings) -> None:
        self._connection = psycopg.connect(
            host=settings.host,
            port=settings.port,
            dbname=settings.dbname,
            user=settings.user,
            password=settings.password or None,
            autocommit=True,
            application_name="fundament-relay-listener",
        )
        self._channels: set[str] = set()

    def listen(self, channels: Iterable[str]) -> list[str]:
        """LISTEN on the channels not listened to yet; return those."""
        added = sorted(set(channels) - self._channels)
        for channel in added:
            self._connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
            self._channels.add(channel)
        return added

    def wait(self, timeout: float) -> set[str]:
        """The channels notified within ``timeout`` seconds (empty if none), all pending ones."""
        channels = {n.channel for n in self._connection.notifies(timeout=timeout, stop_after=1)}
        if channels:
            channels |= {n.channel for n in self._connection.notifies(timeout=0)}
        return channels

    def close(self) -> None:
        self._connection.close()
