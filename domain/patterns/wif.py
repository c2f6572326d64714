"""The eight workflow templates as USM Workflow Interchange Format (USM-WIF) documents.

Every function returns JSON-ready dicts; writing files is the caller's business. Fields that
USM-WIF does not define carry the ``x-fundament-`` prefix, so other tools can ignore them.
"""

import re
from dataclasses import dataclass

from domain.patterns.activities import Activity, Profile, step_activities, step_description
from domain.patterns.catalog import CURRENT_VERSION, pattern_set
from domain.patterns.processes import ProcessPattern, Step
from domain.patterns.vocabulary import Process, WorkflowType
from domain.patterns.wif_validation import validate_wif_document
from domain.patterns.workflows import WorkflowTemplate

FORMAT_VERSION = "1.0.0"
TEMPLATE_TYPE = "workflow-template"
SOURCE_SYSTEM_TYPE = "fundament:usm-patterns"
EXTENSION_PREFIX = "x-fundament-"

JsonObject = dict[str, object]


@dataclass(frozen=True)
class _Instance:
    """One run of a process inside an expanded workflow (a root call or a forked child)."""

    process: Process
    depth: int
    ordinal: int


@dataclass(frozen=True)
class _PlacedStep:
    instance: _Instance
    number: int
    step: Step


def export_workflow_templates(version: str = CURRENT_VERSION) -> list[JsonObject]:
    """All eight workflow templates of a pattern version, in workflow order."""
    return [export_workflow_template(workflow, version) for workflow in WorkflowType]


def export_workflow_template(
    workflow_type: WorkflowType, version: str = CURRENT_VERSION
) -> JsonObject:
    """One workflow template of a pattern version as a USM-WIF document."""
    patterns = pattern_set(version)
    template = patterns.workflow(workflow_type)
    placed = _expand(template, patterns.processes)
    steps = _step_documents(template, placed)
    return {
        "format-version": FORMAT_VERSION,
        "type": TEMPLATE_TYPE,
        "source-system-type": SOURCE_SYSTEM_TYPE,
        "source-system-version": version,
        "workflow-version": workflow_version(version),
        "slug": workflow_slug(template),
        "name": template.name,
        "description": _description(template),
        "process": template.root_process.value,
        "dynamicity": template.dynamicity.value,
        **_extensions(template),
        "profiles": _profile_documents(placed),
        "steps": steps,
    }


def workflow_slug(template: WorkflowTemplate) -> str:
    """A stable slug such as ``w3-incident-with-changes-to-managed-resources``."""
    words = re.sub(r"[^a-z0-9]+", "-", template.name.lower()).strip("-")
    return f"w{template.number}-{words}"


def workflow_version(version: str) -> str:
    """The template version inside a pattern version: ``usm-patterns@1`` gives ``1``."""
    return version.rpartition("@")[2]


def _description(template: WorkflowTemplate) -> str:
    trigger = template.trigger.value.replace("_", " ")
    article = "an" if trigger[0] in "aeiou" else "a"
    return (
        f"USM workflow {template.number}, started by {article} {trigger} "
        f"({template.origin.value}); process path {template.path_text}."
    )


def _extensions(template: WorkflowTemplate) -> JsonObject:
    x = EXTENSION_PREFIX
    return {
        f"{x}workflow-type": template.type.value,
        f"{x}workflow-number": template.number,
        f"{x}trigger": template.trigger.value,
        f"{x}origin": template.origin.value,
        f"{x}path": [
            {"process": s.process.value, "first": s.first, "last": s.last} for s in template.path
        ],
        f"{x}path-text": template.path_text,
        f"{x}fork-points": [
            {"process": f.process.value, "step": f.step, "targets": [t.value for t in f.targets]}
            for f in template.fork_points
        ],
    }


def _expand(
    template: WorkflowTemplate, processes: dict[Process, ProcessPattern]
) -> list[_PlacedStep]:
    """Every step in path order, with the process run (and nesting depth) it belongs to."""
    stack: list[_Instance] = []
    placed: list[_PlacedStep] = []
    for ordinal, segment in enumerate(template.path):
        if segment.first == 1:
            stack.append(_Instance(segment.process, len(stack), ordinal))
        elif not stack or stack[-1].process != segment.process:
            raise ValueError(f"{template.type.value}: {segment} resumes no open process run")
        pattern = processes[segment.process]
        placed.extend(
            _PlacedStep(stack[-1], number, pattern.steps[number - 1])
            for number in range(segment.first, segment.last + 1)
        )
        if segment.last == len(pattern.steps):
            stack.pop()
    return placed


def _id_suffixes(placed: list[_PlacedStep]) -> dict[_Instance, str]:
    """Empty for a process that runs once; otherwise ``-d<depth>`` (and ``-<n>`` if needed)."""
    instances = list(dict.fromkeys(item.instance for item in placed))
    suffixes: dict[_Instance, str] = {}
    for instance in instances:
        same = [i for i in instances if i.process == instance.process]
        level = [i for i in same if i.depth == instance.depth]
        suffix = "" if len(same) == 1 else f"-d{instance.depth}"
        if len(level) > 1:
            suffix += f"-{level.index(instance) + 1}"
        suffixes[instance] = suffix
    return suffixes


def _step_documents(template: WorkflowTemplate, placed: list[_PlacedStep]) -> list[JsonObject]:
    suffixes = _id_suffixes(placed)
    return [
        _step_document(template, item, sort_index, suffixes[item.instance])
        for sort_index, item in enumerate(placed, start=1)
    ]


def _step_document(
    template: WorkflowTemplate, item: _PlacedStep, sort_index: int, suffix: str
) -> JsonObject:
    process, step = item.instance.process, item.step
    step_id = f"{process.value}.{step.id}{suffix}"
    document: JsonObject = {
        "id": step_id,
        "sort-index": sort_index,
        "name": step.name,
        "description": step_description(process, step.id),
        "process": process.value,
        f"{EXTENSION_PREFIX}step": step.id,
        f"{EXTENSION_PREFIX}step-number": item.number,
        f"{EXTENSION_PREFIX}depth": item.instance.depth,
    }
    targets = _fork_targets(template, process, step.id)
    if targets:
        document[f"{EXTENSION_PREFIX}fork-targets"] = targets
    document["activities"] = [
        _activity_document(step_id, activity, index)
        for index, activity in enumerate(step_activities(process, step.id), start=1)
    ]
    return document


def _fork_targets(template: WorkflowTemplate, process: Process, step_id: str) -> list[str]:
    for point in template.fork_points:
        if point.process == process and point.step == step_id:
            return [target.value for target in point.targets]
    return []


def _activity_document(step_id: str, activity: Activity, sort_index: int) -> JsonObject:
    return {
        "id": f"{step_id}.{activity.key}",
        "sort-index": sort_index,
        "description": activity.description,
        "responsibilities": {
            profile.value: [letter.value for letter in letters]
            for profile, letters in activity.assignments
        },
    }


def _profile_documents(placed: list[_PlacedStep]) -> list[JsonObject]:
    """The profiles the document's activities refer to, in ``Profile`` order."""
    used = {
        profile
        for item in placed
        for activity in step_activities(item.instance.process, item.step.id)
        for profile in activity.profiles
    }
    return [{"id": p.value, "name": p.display_name} for p in Profile if p in used]


__all__ = [
    "EXTENSION_PREFIX",
    "FORMAT_VERSION",
    "SOURCE_SYSTEM_TYPE",
    "TEMPLATE_TYPE",
    "export_workflow_template",
    "export_workflow_templates",
    "validate_wif_document",
    "workflow_slug",
    "workflow_version",
]
