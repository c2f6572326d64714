"""Activities shared by every process: accept, classify, review and evaluate & close."""

from domain.patterns.activities.model import Activity, Profile, StepDetail, activity, step

REQ = Profile.REQUESTER
DESK = Profile.SERVICE_DESK_OPERATOR
COORD = Profile.WORKFLOW_COORDINATOR
WFM = Profile.WORKFLOW_MANAGER
SVC = Profile.SERVICE_MANAGER
OPER = Profile.OPERATOR
TEAM = Profile.SOLUTION_TEAM
APPROVER = Profile.CHANGE_APPROVER


def verify_requester(noun: str) -> Activity:
    """Check that the requester may submit this kind of call."""
    return activity(
        "verify-requester",
        f"Confirm that the person submitting the {noun} is entitled to do so.",
        a=COORD,
        r=DESK,
        i=REQ,
    )


def register(noun: str) -> Activity:
    """Give the call its tracking number."""
    return activity(
        "register",
        f"Record the {noun} under a unique tracking number and pass the number to the requester.",
        a=COORD,
        r=DESK,
        i=REQ,
    )


def complete(noun: str) -> Activity:
    """Make the call complete with the requester."""
    return activity(
        "complete",
        f"Go through the {noun} with the requester and ask for whatever information is missing.",
        a=COORD,
        r=DESK,
        c=REQ,
    )


def link(noun: str, earlier: str) -> Activity:
    """Relate the call to its service, components and earlier calls."""
    return activity(
        "link",
        f"Relate the {noun} to the service, to the managed infrastructure components involved "
        f"and to open {earlier} on the same subject.",
        a=COORD,
        r=DESK,
    )


def adopt_parent(noun: str) -> Activity:
    """Take over the parent call's details when the call came from a fork."""
    return activity(
        "adopt-parent",
        f"If a fork in another process raised this {noun}, carry over the details "
        "already known in that workflow.",
        a=COORD,
        r=DESK,
    )


def accept(description: str, noun: str, earlier: str, *, forked: bool = True) -> StepDetail:
    """The usual accept step: verify, register, complete, link and (when nested) adopt."""
    tail = (adopt_parent(noun),) if forked else ()
    return step(
        description,
        verify_requester(noun),
        register(noun),
        complete(noun),
        link(noun, earlier),
        *tail,
    )


def categorise(noun: str) -> Activity:
    """Pick a category from the tenant's table."""
    return activity(
        "categorise",
        f"Assign the {noun} a category from the organisation's categorisation table.",
        a=COORD,
        r=DESK,
    )


def classify(noun: str) -> StepDetail:
    """The usual classify step: category plus impact-and-urgency priority."""
    return step(
        f"Decide what kind of {noun} this is and how soon it must be handled.",
        categorise(noun),
        activity(
            "prioritise",
            "Rate impact and urgency with the tenant's tables and look up the resulting priority.",
            a=COORD,
            r=DESK,
            c=REQ,
        ),
    )


def review(description: str, *extra: Activity) -> StepDetail:
    """The usual review step: check delivery, confirm with the requester, mark fulfilled."""
    return step(
        description,
        activity(
            "check-delivery",
            "Compare what was delivered with what was asked for and see that linked calls "
            "are done.",
            a=COORD,
            r=DESK,
            c=TEAM,
        ),
        activity(
            "confirm-with-requester",
            "Ask the requester whether the result matches what the service agreement promises.",
            a=COORD,
            r=DESK,
            c=REQ,
        ),
        *extra,
        activity(
            "set-fulfilled",
            "Mark the call 'workflow fulfilled' if it started the workflow, or 'process "
            "fulfilled' if a fork raised it.",
            a=COORD,
            r=COORD,
            i=REQ,
        ),
    )


def evaluate_close(noun: str, *extra: Activity) -> StepDetail:
    """The usual evaluate & close step: look back, submit improvement risks, close."""
    return step(
        f"Look back on how the {noun} was handled, feed improvements into Improve and close it.",
        activity(
            "evaluate",
            "With the coordinators and operators, ask whether the work went right, is fully "
            "recorded, holds lessons, could serve as a standard, or needs improvement elsewhere.",
            a=COORD,
            r=(COORD, OPER),
            c=TEAM,
            i=WFM,
        ),
        *extra,
        activity(
            "submit-improvement-risks",
            "Raise a risk for each improvement found and note it in the call log.",
            a=COORD,
            r=COORD,
            i=WFM,
        ),
        activity(
            "close",
            "Finish the registration and set the status to 'closed'.",
            a=COORD,
            r=DESK,
        ),
    )
