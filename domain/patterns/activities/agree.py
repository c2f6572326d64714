"""Agree (CTM): activities per step, from wish to service agreement and its realization."""

from domain.patterns.activities._common import (
    COORD,
    REQ,
    SVC,
    TEAM,
    adopt_parent,
    classify,
    evaluate_close,
    link,
    register,
    review,
    verify_requester,
)
from domain.patterns.activities.model import StepDetail, activity, step

STEPS: dict[str, StepDetail] = {
    "accept": step(
        "Take in the wish, confirm who is asking and capture the need as a functional design.",
        verify_requester("wish"),
        register("wish"),
        activity(
            "functional-design",
            "Explore the wish with the requester against the existing services and write it "
            "up as a functional design: facility and support, functionality and functioning.",
            a=COORD,
            r=SVC,
            c=REQ,
        ),
        link("wish", "wishes"),
        adopt_parent("wish"),
    ),
    "classify": classify("wish"),
    "specify_service": step(
        "Work out who contributes what and combine it into one priced technical design.",
        activity(
            "qualify-teams",
            "Pick the internal and external solution teams from the organisation chart and "
            "note them on the wish.",
            a=COORD,
            r=SVC,
        ),
        activity(
            "team-contributions",
            "Let each team state its share in terms of facility and support, functionality "
            "and functioning.",
            a=SVC,
            r=TEAM,
        ),
        activity(
            "technical-design",
            "Merge the contributions into a single technical design, reusing entries from the "
            "service catalog where they fit.",
            a=SVC,
            r=(SVC, TEAM),
        ),
        activity(
            "readiness-and-cost",
            "Define a measurable readiness notice for the requester and price each component "
            "as well as the service as a whole.",
            a=SVC,
            r=SVC,
            c=TEAM,
        ),
    ),
    "draft_offer": step(
        "Prepare the offer together with the agreements that back it up.",
        activity(
            "offer",
            "Write the offer using the service agreement template.",
            a=SVC,
            r=SVC,
        ),
        activity(
            "underpinning-agreements",
            "Draft operational level agreements with internal teams and underpinning contracts "
            "with external suppliers where needed.",
            a=SVC,
            r=SVC,
            c=TEAM,
        ),
        activity(
            "reservations",
            "Enter every proposed contribution and its delivery date in the reservations register.",
            a=COORD,
            r=SVC,
            i=TEAM,
        ),
    ),
    "negotiate": step(
        "Settle the offer with the requester, or establish that no deal will be reached.",
        activity(
            "negotiate",
            "Discuss the offer with the requester and revise it until both sides accept it.",
            a=SVC,
            r=SVC,
            c=REQ,
        ),
        activity(
            "conclude-agreement",
            "Turn the accepted offer into a service agreement, add the pre-agreed requests the "
            "customer may submit and attach the technical design.",
            a=SVC,
            r=SVC,
            i=REQ,
        ),
        activity(
            "no-agreement",
            "If the parties cannot agree, tell the solution teams, release their reservations "
            "and close the wish.",
            a=COORD,
            r=SVC,
            i=(REQ, TEAM),
        ),
    ),
    "realize": step(
        "Have Change put the agreed service in place by raising an RFC.",
        activity(
            "submit-rfc",
            "Raise an RFC and write its number on the wish.",
            a=COORD,
            r=COORD,
        ),
        activity(
            "rfc-content",
            "Give the RFC the agreed specification, the reserved delivery dates and the updates "
            "to every affected component, including each team's new tasks and duties.",
            a=SVC,
            r=SVC,
            c=TEAM,
        ),
        activity(
            "await-change",
            "Follow the RFC until Change reports it fulfilled, then carry on with the wish.",
            a=COORD,
            r=COORD,
        ),
    ),
    "review": review(
        "Check with the requester that the realized service is what was agreed; the wish is "
        "workflow fulfilled in workflow 1 and process fulfilled in workflow 6."
    ),
    "evaluate_close": evaluate_close("wish"),
}
