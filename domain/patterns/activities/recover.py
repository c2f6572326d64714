"""Recover (INC): activities per step, from incident to a restored service."""

from domain.patterns.activities._common import (
    COORD,
    DESK,
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
        "Take in the incident report, confirm who is reporting and relate it to the service.",
        "incident",
        "incidents",
        forked=False,
    ),
    "classify": classify("incident"),
    "analyze": step(
        "Find a solution, reusing a known one when possible.",
        activity(
            "match-knowledge",
            "Look in the knowledge base for a solution used before and copy it to the incident "
            "when one fits.",
            a=COORD,
            r=DESK,
        ),
        activity(
            "route-to-teams",
            "Without a match, pass the incident along internal or external solution teams until "
            "one of them finds a solution.",
            a=COORD,
            r=TEAM,
        ),
        activity(
            "record-solution",
            "Note the solution and whether it is a workaround or a lasting fix.",
            a=COORD,
            r=TEAM,
            i=REQ,
        ),
    ),
    "prepare_recovery": step(
        "Choose how the recovery will be carried out and prepare the calls it needs.",
        activity(
            "choose-route",
            "Decide on the route: a change when registered components must be modified, a "
            "service request when they need not be, or both.",
            a=COORD,
            r=COORD,
            c=TEAM,
        ),
        activity(
            "prepare-calls",
            "Draft the RFC, the service request, or both, for the chosen route.",
            a=COORD,
            r=COORD,
        ),
        activity(
            "workaround-handling",
            "Decide whether a workaround is handled inside this incident or in a separate "
            "linked call.",
            a=COORD,
            r=COORD,
            c=REQ,
        ),
    ),
    "recover": step(
        "Have Change or Operate carry out the recovery and report back.",
        activity(
            "submit-calls",
            "Submit the prepared RFC or service request to Change or Operate.",
            a=COORD,
            r=COORD,
        ),
        activity(
            "await-recovery",
            "Follow the child call until the recovery is reported as deployed, then carry on "
            "with the incident.",
            a=COORD,
            r=COORD,
            i=REQ,
        ),
    ),
    "review": review(
        "Check with the requester that the service is back as agreed and mark the incident "
        "workflow fulfilled.",
        activity(
            "release-sub-incidents",
            "Mark the linked sub-incidents as ready as well.",
            a=COORD,
            r=DESK,
        ),
    ),
    "evaluate_close": evaluate_close("incident"),
}
