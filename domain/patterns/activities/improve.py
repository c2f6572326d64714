"""Improve (RIM): activities per step, from a spotted risk to a deployed measure."""

from domain.patterns.activities._common import (
    COORD,
    OPER,
    SVC,
    TEAM,
    WFM,
    categorise,
    evaluate_close,
    link,
    register,
    review,
)
from domain.patterns.activities.model import StepDetail, activity, step

STEPS: dict[str, StepDetail] = {
    "accept": step(
        "Find and register threats and opportunities instead of waiting for them to be reported.",
        activity(
            "search-actively",
            "Look for threats where the services are vulnerable and for opportunities where "
            "they show promise.",
            a=WFM,
            r=(COORD, OPER),
        ),
        register("risk"),
        link("risk", "risks"),
    ),
    "classify": step(
        "Size the risk: its business impact, its profile and its place on the risk matrix.",
        activity(
            "business-impact",
            "Estimate what the risk would mean for the business (business impact analysis).",
            a=COORD,
            r=COORD,
            c=SVC,
        ),
        activity(
            "dependencies",
            "Analyse dependencies and vulnerabilities to build up the risk profile.",
            a=COORD,
            r=TEAM,
        ),
        categorise("risk"),
        activity(
            "risk-priority",
            "Score effect and likelihood and read the priority from the risk matrix.",
            a=COORD,
            r=COORD,
            c=WFM,
        ),
    ),
    "determine_cause": step(
        "Trace the risk back to its root cause.",
        activity(
            "root-cause-analysis",
            "Perform a root cause analysis.",
            a=COORD,
            r=TEAM,
        ),
        activity(
            "known-error",
            "Once the root cause is clear, record it and set the risk to 'known error'.",
            a=COORD,
            r=COORD,
        ),
    ),
    "select_measure": step(
        "Pick the measure that best handles the risk and prepare the call that will carry it.",
        activity(
            "identify-measures",
            "List measures that lower effect or likelihood of a threat, or that help an "
            "opportunity come about.",
            a=COORD,
            r=TEAM,
        ),
        activity(
            "residual-risk",
            "Estimate the risk that would remain after each measure.",
            a=COORD,
            r=TEAM,
            c=WFM,
        ),
        activity(
            "business-cases",
            "Weigh the measures on outcome, chance of success, cost and feasibility, with a "
            "business case for each.",
            a=WFM,
            r=COORD,
            c=(SVC, TEAM),
        ),
        activity(
            "choose-measure",
            "Choose the best measure and draft the wish, RFC or service request it needs.",
            a=WFM,
            r=COORD,
        ),
    ),
    "deploy_measure": step(
        "Start the measure by handing the prepared call to Agree, Change or Operate.",
        activity(
            "submit-call",
            "Submit the prepared wish, RFC or service request.",
            a=COORD,
            r=COORD,
        ),
        activity(
            "await-measure",
            "Follow the child call until it is fulfilled, then carry on with the risk.",
            a=COORD,
            r=COORD,
            i=WFM,
        ),
    ),
    "review": review(
        "Check that the threat was reduced or the opportunity taken and mark the risk workflow "
        "fulfilled.",
        activity(
            "check-effect",
            "Verify that the measure lowered the threat or brought the opportunity about.",
            a=COORD,
            r=COORD,
            c=TEAM,
        ),
    ),
    "evaluate_close": evaluate_close(
        "risk",
        activity(
            "remaining-risk",
            "Establish the risk that is left now the measure is in place.",
            a=COORD,
            r=COORD,
            i=WFM,
        ),
    ),
}
