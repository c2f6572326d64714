"""Operate (OPS): activities per step, from service request to executed operations."""

from domain.patterns.activities._common import (
    COORD,
    DESK,
    OPER,
    TEAM,
    WFM,
    accept,
    classify,
    evaluate_close,
    review,
)
from domain.patterns.activities.model import StepDetail, activity, step

STEPS: dict[str, StepDetail] = {
    "accept": accept(
        "Take in the service request, confirm who is asking and relate it to the service.",
        "service request",
        "service requests",
    ),
    "classify": classify("service request"),
    "plan_activities": step(
        "Schedule the requested work on the OPS calendar.",
        activity(
            "plan-static",
            "Put the recurring work for new or changed services in the static and dynamic "
            "sections of the OPS calendar.",
            a=COORD,
            r=COORD,
            c=OPER,
        ),
        activity(
            "plan-dynamic",
            "Put the work for customer service requests in the dynamic section of the OPS "
            "calendar.",
            a=COORD,
            r=DESK,
            i=OPER,
        ),
    ),
    "execute_activities": step(
        "Do the planned work, watch the services and log what happens.",
        activity(
            "execute",
            "Carry out the planned activities.",
            a=COORD,
            r=(OPER, TEAM),
        ),
        activity(
            "monitor-and-log",
            "Monitor the services and write every relevant event to the OPS logs.",
            a=COORD,
            r=OPER,
        ),
        activity(
            "raise-incident",
            "When an event shows a failure, or one about to happen, submit an incident and "
            "note it in the OPS logs.",
            a=COORD,
            r=OPER,
            i=DESK,
        ),
        activity(
            "raise-risk",
            "When a risk comes into view, submit it as a risk and note it in the OPS logs.",
            a=COORD,
            r=OPER,
            i=WFM,
        ),
    ),
    "review": review(
        "Check with the requester that the work was done as agreed; the service request is "
        "workflow fulfilled in workflow 5 and process fulfilled everywhere else."
    ),
    "evaluate_close": evaluate_close("service request"),
}
