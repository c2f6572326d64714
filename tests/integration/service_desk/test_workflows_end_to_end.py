"""All eight workflows through the tenant application, on SQLite and on PostgreSQL."""

from collections.abc import Callable

from domain.patterns import WORKFLOWS, Status, format_path
from domain.workflow import workflow_path
from gateway.demo.deployment import DemoTenant
from gateway.demo.driver import Desk
from gateway.demo.scenario import agree_first_service, drive_proactive, drive_reactive
from gateway.demo.summary import call_tree, completed_workflows


def test_every_workflow_runs_end_to_end_with_its_usm_path(
    seeded: Callable[[], tuple[DemoTenant, Desk]],
) -> None:
    # given
    tenant, desk = seeded()
    # when
    agree_first_service(desk, tenant)
    drive_reactive(desk, tenant)
    drive_proactive(desk, tenant)
    # then
    app = desk.app
    calls = app.calls()
    by_id = {call.id: call for call in calls}
    roots = [call for call in calls if call.is_root and call.workflow]
    assert completed_workflows(app) == {w.value for w in WORKFLOWS}
    for root in roots:
        tree = call_tree(root, by_id)
        assert format_path(workflow_path(tree)) == WORKFLOWS[root.workflow].path_text
        assert all(call.status is Status.CLOSED for call in tree)
        assert all(call.workflow is root.workflow for call in tree)


def test_an_agreement_superseded_through_w6_leaves_one_sa_in_force(
    seeded: Callable[[], tuple[DemoTenant, Desk]],
) -> None:
    tenant, desk = seeded()
    agree_first_service(desk, tenant)
    drive_proactive(desk, tenant)
    statuses = sorted((a.code, a.status.value) for a in desk.app.agreements() if a.kind == "SA")
    assert [status for _, status in statuses] == ["superseded", "in force"] or sorted(
        status for _, status in statuses
    ) == ["in force", "superseded"]
