"""Change (CHM): activities per step, from RFC to a deployed and registered change."""

from domain.patterns.activities._common import (
    APPROVER,
    COORD,
    OPER,
    REQ,
    TEAM,
    accept,
    classify,
    evaluate_close,
    review,
)
from domain.patterns.activities.model import StepDetail, activity, step

STEPS: dict[str, StepDetail] = {
    "accept": accept(
        "Take in the request for change, confirm who is asking and relate it to what it touches.",
        "RFC",
        "RFCs",
    ),
    "classify": classify("RFC"),
    "plan": step(
        "Find out who is involved and agree a high-level plan for the change.",
        activity(
            "involve-people",
            "Use the change category and the organisation chart to find the teams and people "
            "involved.",
            a=COORD,
            r=COORD,
            c=APPROVER,
        ),
        activity(
            "change-plan",
            "Analyse the impact and outline a change plan against the change calendar, grouping "
            "related changes into a release where that helps.",
            a=COORD,
            r=TEAM,
            c=OPER,
        ),
        activity(
            "agree-plan",
            "Get the people involved to agree to the plan.",
            a=APPROVER,
            r=COORD,
            c=TEAM,
        ),
        activity(
            "schedule",
            "Book the change on the change calendar.",
            a=COORD,
            r=COORD,
            i=OPER,
        ),
    ),
    "prepare": step(
        "Build the change and get everything ready to test and deploy it.",
        activity(
            "detail-plan",
            "Elaborate the change plan, including any updates to continuity plans.",
            a=COORD,
            r=TEAM,
        ),
        activity(
            "build",
            "Build, assemble or buy the planned facilities.",
            a=COORD,
            r=TEAM,
        ),
        activity(
            "production-readiness",
            "Prepare for production with manuals, training and test arrangements.",
            a=COORD,
            r=TEAM,
            c=OPER,
        ),
        activity(
            "test-and-deployment-plans",
            "Write the test plan, covering production and user acceptance, and the deployment "
            "plan.",
            a=COORD,
            r=TEAM,
            c=(REQ, OPER),
        ),
    ),
    "test_release": step(
        "Prove the change works and release it for production.",
        activity(
            "run-tests",
            "Run the planned tests and record the outcome in a test report.",
            a=COORD,
            r=TEAM,
            c=REQ,
        ),
        activity(
            "approve-for-production",
            "Judge the test report and the deployment plan and decide whether the change may "
            "go to production.",
            a=APPROVER,
            r=APPROVER,
            c=(OPER, TEAM),
        ),
        activity(
            "deployment-request",
            "Prepare a service request for the deployment with the deployment plan attached.",
            a=COORD,
            r=COORD,
            i=OPER,
        ),
    ),
    "deploy": step(
        "Let Operate take the changed components into production.",
        activity(
            "submit-deployment-request",
            "Hand the deployment service request to Operate.",
            a=COORD,
            r=COORD,
            i=OPER,
        ),
        activity(
            "await-operate",
            "Follow the service request until Operate reports the deployment done, then carry "
            "on with the change.",
            a=COORD,
            r=COORD,
            c=OPER,
        ),
    ),
    "review": review(
        "Check with the requester that the change delivered what was asked; the RFC is "
        "workflow fulfilled in workflow 2 and process fulfilled when nested."
    ),
    "update_mir": step(
        "Bring the managed infrastructure register in line with what is now in production.",
        activity(
            "register-components",
            "Record the changed services and components, with their managed attributes, in "
            "the MIR.",
            a=COORD,
            r=TEAM,
        ),
        activity(
            "verify-mir",
            "Confirm that the MIR entries match the production situation.",
            a=COORD,
            r=COORD,
            c=OPER,
        ),
    ),
    "evaluate_close": evaluate_close("RFC"),
}
