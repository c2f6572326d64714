"""A readable per-tenant summary of what the demo (or any tenant) did."""

from collections import Counter
from uuid import UUID

from domain.calls import Call
from domain.patterns import WORKFLOWS, Status, format_path
from domain.workflow import workflow_path
from tenants.service_desk import ServiceDesk


def tenant_summary(app: ServiceDesk, name: str) -> list[str]:
    """Calls per process and status, completed workflows with their paths, MIR changes."""
    calls = app.calls()
    by_id = {call.id: call for call in calls}
    lines = [f"{name} ({app.tenant_id})"]
    per_process = Counter((call.process.value, call.status.value) for call in calls)
    for process in sorted({process for process, _ in per_process}):
        statuses = ", ".join(
            f"{status} {count}"
            for (p, status), count in sorted(per_process.items())
            if p == process
        )
        lines.append(f"  {process:<8} {statuses}")
    for root in calls:
        if root.is_root and root.workflow is not None and root.status is Status.CLOSED:
            template = WORKFLOWS[root.workflow]
            path = format_path(workflow_path(call_tree(root, by_id)))
            mark = "ok" if path == template.path_text else "PATH DIFFERS"
            lines.append(
                f"  {root.workflow.value} {template.name:<46} {root.tracking_number} {mark}: {path}"
            )
    mir_changes = sum(len(getattr(call, "updated_mic_ids", [])) for call in calls)
    lines.append(
        f"  MIR changes: {mir_changes} by "
        f"{sum(1 for c in calls if hasattr(c, 'updated_mic_ids'))} change calls"
    )
    return lines


def call_tree(root: Call, by_id: dict[UUID, Call]) -> list[Call]:
    """The root call and all its descendants."""
    tree, stack = [], [root]
    while stack:
        call = stack.pop()
        tree.append(call)
        stack.extend(by_id[child] for child in call.children)
    return tree


def completed_workflows(app: ServiceDesk) -> set[str]:
    return {
        call.workflow.value
        for call in app.calls()
        if call.is_root and call.workflow and call.status is Status.CLOSED
    }
