"""Fundament's spans, through the OpenTelemetry API only.

A command's trace context travels as a W3C ``traceparent`` string: in the stored events'
metadata, then in the Kafka headers, so the relay and the projections open their spans in
the trace of the request that stored the events. Which SDK and exporter record the spans
is the entry point's choice (``gateway.telemetry``); without one every call here is the
API's no-op, and the per-event helpers return before doing any work at all.
"""

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Protocol

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import NoOpTracerProvider, ProxyTracerProvider, Span, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.trace.status import Status, StatusCode
from opentelemetry.util.types import AttributeValue

TRACER = trace.get_tracer("fundament")
_PROPAGATOR = TraceContextTextMapPropagator()

TENANT = "fundament.tenant"
COMMAND = "fundament.command"
EVENT_COUNT = "fundament.event_count"

Attributes = Mapping[str, AttributeValue]
TraceKey = tuple[str, str | None]  # (tenant, traceparent)


class Traced(Protocol):
    """Anything that belongs to a tenant and may carry a trace context (an event envelope)."""

    @property
    def tenant(self) -> str: ...

    @property
    def traceparent(self) -> str | None: ...


def tracing_enabled() -> bool:
    """Whether an SDK records spans (otherwise the API hands out no-op spans)."""
    return not isinstance(trace.get_tracer_provider(), ProxyTracerProvider | NoOpTracerProvider)


def current_traceparent() -> str | None:
    """The W3C traceparent of the current span; None outside a valid span."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get("traceparent")


def in_span() -> bool:
    """Whether the current context has a valid span (local or extracted from a request)."""
    return trace.get_current_span().get_span_context().is_valid


def sampled(traceparent: str) -> bool:
    """Whether the traceparent's flags say its trace is recorded (malformed: let the SDK
    decide, it starts a new trace)."""
    try:
        return bool(int(traceparent[-2:], 16) & 0x01)
    except ValueError:
        return True


def context_of(traceparent: str | None) -> Context | None:
    """The context to start a child span in: the traceparent's, or the current one (None)."""
    if traceparent is None:
        return None
    return _PROPAGATOR.extract({"traceparent": traceparent})


@contextmanager
def span_in(
    name: str,
    traceparent: str | None,
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    attributes: Attributes | None = None,
) -> Iterator[Span]:
    """A current span, child of ``traceparent``'s span (or of the current span when None)."""
    if traceparent is None and not tracing_enabled():
        # What the no-op tracer would make current is the current span itself: skip it
        # (its context managers cost a command tens of microseconds).
        yield trace.get_current_span()
        return
    with TRACER.start_as_current_span(
        name, context=context_of(traceparent), kind=kind, attributes=attributes
    ) as span:
        yield span


@contextmanager
def span_per_trace(
    name: str,
    items: Iterable[Traced],
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    attributes: Attributes | None = None,
) -> Iterator[dict[TraceKey, Span]]:
    """One span per (tenant, traceparent) among ``items``, each a child of its traceparent's
    span, around work done for all of them at once (a publish, a projected batch).

    Items without a traceparent share one span per tenant under the current context; items
    whose request was not sampled get none (the request's sampling decision holds for the
    whole trace, and a span costs the SDK tens of microseconds). The spans carry the item
    count; an exception ends them all as errors. Yields the spans by (tenant, traceparent)
    so the caller can mark some as failed; nothing when not tracing.
    """
    if not tracing_enabled():
        yield {}
        return
    counts = Counter((item.tenant, item.traceparent) for item in items)
    spans = {
        key: TRACER.start_span(
            name,
            context=context_of(key[1]),
            kind=kind,
            attributes={**(attributes or {}), TENANT: key[0], EVENT_COUNT: count},
        )
        for key, count in counts.items()
        if key[1] is None or sampled(key[1])
    }
    try:
        yield spans
    except BaseException as error:
        for span in spans.values():
            failed(span, error)
        raise
    finally:
        for span in spans.values():
            span.end()


def failed(span: Span, error: BaseException) -> None:
    """Mark ``span`` as failed by ``error``."""
    span.record_exception(error)
    span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))
