"""Settings of the event flow: the Kafka cluster, the topic family, the read store."""

from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_TOPIC = "fundament.events.v1"


@dataclass(frozen=True)
class FlowSettings:
    """Where events flow: ``FUNDAMENT_KAFKA_*``, ``FUNDAMENT_READ_SCHEMA`` and
    ``FUNDAMENT_REPORTING_KEY`` in the env."""

    bootstrap: str = "127.0.0.1:9092"
    topic: str = DEFAULT_TOPIC
    partitions: int = 6
    read_schema: str = "fundament_read"
    # Keys the pseudonyms of calls in cross-organization reporting; changing it needs a
    # rebuild of that read model. Empty: a built-in key, which only hides call ids.
    reporting_key: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        if not self.bootstrap.strip():
            raise ValueError("FUNDAMENT_KAFKA_BOOTSTRAP must name at least one broker")
        if not 1 <= self.partitions <= 1_000:
            raise ValueError("FUNDAMENT_KAFKA_PARTITIONS must be between 1 and 1000")
        if not self.read_schema.isidentifier() or self.read_schema != self.read_schema.lower():
            raise ValueError("FUNDAMENT_READ_SCHEMA must be a lowercase identifier")

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> "FlowSettings":
        partitions = environ.get("FUNDAMENT_KAFKA_PARTITIONS", str(cls.partitions))
        if not partitions.isdigit():
            raise ValueError(f"FUNDAMENT_KAFKA_PARTITIONS must be a number, not {partitions!r}")
        return cls(
            bootstrap=environ.get("FUNDAMENT_KAFKA_BOOTSTRAP", cls.bootstrap),
            topic=environ.get("FUNDAMENT_KAFKA_TOPIC", cls.topic),
            partitions=int(partitions),
            read_schema=environ.get("FUNDAMENT_READ_SCHEMA", cls.read_schema),
            reporting_key=environ.get("FUNDAMENT_REPORTING_KEY", ""),
        )
