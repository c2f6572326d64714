"""The process path a workflow tree actually took, in USM's notation (e.g. CHANGE(1-6))."""

from collections.abc import Iterable
from datetime import datetime

from domain.calls import Call
from domain.patterns import PathSegment, Process, process_pattern


def workflow_path(calls: Iterable[Call]) -> list[PathSegment]:
    """Merge the step trails of a call tree in time order into consecutive-step segments."""
    visits: list[tuple[datetime, int, Process, int]] = []
    for order, call in enumerate(calls):
        pattern = process_pattern(call.process)
        visits.extend((at, order, call.process, pattern.number(step)) for step, at in call.trail)
    visits.sort(key=lambda visit: (visit[0], visit[1]))
    segments: list[PathSegment] = []
    for _, _, process, number in visits:
        last = segments[-1] if segments else None
        if last and last.process is process and number in (last.last, last.last + 1):
            segments[-1] = PathSegment(process, last.first, number)
        else:
            segments.append(PathSegment(process, number, number))
    return segments
