"""Spans recorded in memory for the tests that look at traces.

A process can install one global tracer provider only, so the first test that asks installs
an SDK provider for the rest of its process (each xdist worker is one), or records through
the one already there; spans are kept only while a test is recording, so the other tests
of the process do not fill the memory.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


class _WhileRecording(SpanExporter):
    """Passes finished spans to the recording test's exporter; drops them otherwise."""

    def __init__(self) -> None:
        self.target: InMemorySpanExporter | None = None

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if self.target is not None:
            return self.target.export(spans)
        return SpanExportResult.SUCCESS


_switch = _WhileRecording()
_attached: list[TracerProvider] = []


def _install_once() -> None:
    """Record through the process's SDK provider, installing one if there is none yet."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    if provider not in _attached:
        provider.add_span_processor(SimpleSpanProcessor(_switch))
        _attached.append(provider)


@contextmanager
def recording_spans() -> Iterator[InMemorySpanExporter]:
    """Every span that ends inside the block, in the order they ended."""
    _install_once()
    exporter = InMemorySpanExporter()
    _switch.target = exporter
    try:
        yield exporter
    finally:
        _switch.target = None


def named(spans: Sequence[ReadableSpan], name: str) -> list[ReadableSpan]:
    return [span for span in spans if span.name == name]


def descends_from(
    span: ReadableSpan, ancestor: ReadableSpan, spans: Sequence[ReadableSpan]
) -> bool:
    """Whether ``span`` is below ``ancestor`` in the parent chain the recorded spans form."""
    by_id = {s.context.span_id: s for s in spans}
    parent = span.parent
    while parent is not None:
        if parent.span_id == ancestor.context.span_id:
            return True
        found = by_id.get(parent.span_id)
        parent = found.parent if found is not None else None
    return False
