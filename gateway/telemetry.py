"""Which exporter records Fundament's spans: chosen once per process, at its entry point.

The code below the gateway traces through the OpenTelemetry API only (``tenants.tracing``);
until ``configure_tracing`` installs an SDK provider every span there is a no-op. The
gateway calls it from its settings; ``fundament relay`` and ``fundament project`` from
``FUNDAMENT_OTEL_EXPORTER`` (none, console or otlp; default none) and
``FUNDAMENT_OTEL_ENDPOINT`` (the collector's OTLP/HTTP base URL, e.g.
``http://collector:4318``; unset: the OTEL_EXPORTER_OTLP_* variables or localhost).
"""

import logging
from collections.abc import Mapping
from typing import Literal, cast, get_args

from opentelemetry import trace
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

Exporter = Literal["none", "console", "otlp"]
EXPORTERS: tuple[str, ...] = get_args(Exporter)
_TRACES_PATH = "/v1/traces"

log = logging.getLogger(__name__)

_installed: list[TracerProvider] = []  # what configure_tracing installed, for shutdown


def configure_tracing(
    exporter: Exporter, service_name: str, otlp_endpoint: str | None = None
) -> TracerProvider | None:
    """Install an SDK tracer provider sending spans to ``exporter`` in batches.

    "none" installs nothing, so tracing stays the API's no-op. A process can install only
    one provider: a second call returns the one already installed.
    """
    if exporter not in EXPORTERS:
        raise ValueError(f"unknown trace exporter {exporter!r}; choose one of {EXPORTERS}")
    if exporter == "none":
        return None
    installed = trace.get_tracer_provider()
    if isinstance(installed, TracerProvider):
        log.info("tracing is already configured; keeping the provider in place")
        return installed
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service_name}))
    provider.add_span_processor(BatchSpanProcessor(_exporter(exporter, otlp_endpoint)))
    trace.set_tracer_provider(provider)
    _installed.append(provider)
    return provider


def configure_tracing_from_env(env: Mapping[str, str], service_name: str) -> None:
    """``configure_tracing`` as ``FUNDAMENT_OTEL_EXPORTER`` and ``FUNDAMENT_OTEL_ENDPOINT`` say."""
    chosen = env.get("FUNDAMENT_OTEL_EXPORTER", "none").strip().lower() or "none"
    if chosen not in EXPORTERS:
        raise ValueError(f"FUNDAMENT_OTEL_EXPORTER={chosen!r} is not one of {', '.join(EXPORTERS)}")
    endpoint = env.get("FUNDAMENT_OTEL_ENDPOINT") or None
    configure_tracing(cast(Exporter, chosen), service_name, endpoint)


def shutdown_tracing() -> None:
    """Export the spans still buffered and stop the exporter (at process exit).

    Only a provider ``configure_tracing`` installed is shut down, never one that its host
    (a test session, an embedding program) installed itself.
    """
    while _installed:
        _installed.pop().shutdown()


def _exporter(exporter: Exporter, otlp_endpoint: str | None) -> SpanExporter:
    if exporter == "console":
        return ConsoleSpanExporter()
    # Imported only when chosen: it brings protobuf and requests (~90 ms of start-up).
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter(endpoint=_traces_url(otlp_endpoint) if otlp_endpoint else None)


def _traces_url(endpoint: str) -> str:
    """The collector's traces URL from its base URL (a full traces URL is kept as it is)."""
    base = endpoint.rstrip("/")
    return base if base.endswith(_TRACES_PATH) else base + _TRACES_PATH
