"""USM-WIF export of the eight workflow templates and the document validator."""

import copy
import json
from dataclasses import replace

import pytest

from domain.patterns import (
    CURRENT_VERSION,
    PROCESSES,
    WORKFLOWS,
    Process,
    WorkflowType,
    export_workflow_template,
    export_workflow_templates,
    validate_wif_document,
    wif,
    workflow_slug,
)
from domain.patterns.catalog import UnknownPatternVersionError
from domain.patterns.workflows import PathSegment

DOCUMENTS = export_workflow_templates()
BY_TYPE = {WorkflowType(str(doc["x-fundament-workflow-type"])): doc for doc in DOCUMENTS}

Json = dict[str, object]


def _steps(doc: Json) -> list[Json]:
    steps = doc["steps"]
    assert isinstance(steps, list)
    return steps


def _activities(step: Json) -> list[Json]:
    activities = step["activities"]
    assert isinstance(activities, list)
    return activities


def _doc_id(doc: Json) -> str:
    return str(doc["slug"])


def test_exports_all_eight_templates_in_order() -> None:
    assert [doc["x-fundament-workflow-number"] for doc in DOCUMENTS] == list(range(1, 9))
    assert export_workflow_template(WorkflowType.W3) == BY_TYPE[WorkflowType.W3]


@pytest.mark.parametrize("doc", DOCUMENTS, ids=_doc_id)
def test_document_round_trips_through_json(doc: Json) -> None:
    assert json.loads(json.dumps(doc)) == doc


@pytest.mark.parametrize("doc", DOCUMENTS, ids=_doc_id)
def test_document_passes_validation(doc: Json) -> None:
    assert validate_wif_document(doc) == []


@pytest.mark.parametrize("doc", DOCUMENTS, ids=_doc_id)
def test_header_fields(doc: Json) -> None:
    template = WORKFLOWS[WorkflowType(str(doc["x-fundament-workflow-type"]))]
    assert doc["format-version"] == "1.0.0"
    assert doc["type"] == "workflow-template"
    assert doc["source-system-type"] == "fundament:usm-patterns"
    assert doc["source-system-version"] == CURRENT_VERSION
    assert doc["workflow-version"] == "1"
    assert doc["name"] == template.name
    assert doc["process"] == template.root_process.value
    assert doc["dynamicity"] == template.dynamicity.value
    assert doc["x-fundament-trigger"] == template.trigger.value
    assert doc["x-fundament-origin"] == template.origin.value
    assert doc["x-fundament-path-text"] == template.path_text
    assert isinstance(doc["description"], str)
    assert template.path_text in doc["description"]


def test_slugs() -> None:
    assert [doc["slug"] for doc in DOCUMENTS] == [
        "w1-changes-to-agreements",
        "w2-changes-to-managed-resources",
        "w3-incident-with-changes-to-managed-resources",
        "w4-incidents-without-changes-to-managed-resources",
        "w5-operate",
        "w6-risks-with-changes-to-agreements",
        "w7-risks-with-changes-to-managed-resources",
        "w8-risks-that-can-be-handled-by-operations",
    ]
    assert workflow_slug(WORKFLOWS[WorkflowType.W5]) == "w5-operate"


@pytest.mark.parametrize("doc", DOCUMENTS, ids=_doc_id)
def test_path_extension_mirrors_the_template(doc: Json) -> None:
    template = WORKFLOWS[WorkflowType(str(doc["x-fundament-workflow-type"]))]
    path = doc["x-fundament-path"]
    assert isinstance(path, list)
    rebuilt = tuple(PathSegment(Process(s["process"]), s["first"], s["last"]) for s in path)
    assert rebuilt == template.path


@pytest.mark.parametrize("doc", DOCUMENTS, ids=_doc_id)
def test_steps_follow_the_template_path_exactly(doc: Json) -> None:
    template = WORKFLOWS[WorkflowType(str(doc["x-fundament-workflow-type"]))]
    expected = [
        (segment.process.value, number)
        for segment in template.path
        for number in range(segment.first, segment.last + 1)
    ]
    steps = _steps(doc)
    assert [(s["process"], s["x-fundament-step-number"]) for s in steps] == expected
    assert [s["sort-index"] for s in steps] == list(range(1, len(steps) + 1))
    for step in steps:
        pattern = PROCESSES[Process(str(step["process"]))]
        number = step["x-fundament-step-number"]
        assert isinstance(number, int)
        assert step["x-fundament-step"] == pattern.steps[number - 1].id
        assert step["name"] == pattern.steps[number - 1].name


def test_w3_lists_recover_change_operate_change_recover() -> None:
    steps = _steps(BY_TYPE[WorkflowType.W3])
    runs: list[tuple[object, int, int]] = []
    for step in steps:
        process, number = step["process"], step["x-fundament-step-number"]
        assert isinstance(number, int)
        if runs and runs[-1][0] == process and runs[-1][2] == number - 1:
            runs[-1] = (process, runs[-1][1], number)
        else:
            runs.append((process, number, number))
    assert runs == [
        ("recover", 1, 5),
        ("change", 1, 6),
        ("operate", 1, 6),
        ("change", 7, 9),
        ("recover", 6, 7),
    ]
    assert steps[0]["id"] == "recover.accept"
    assert steps[-1]["id"] == "recover.evaluate_close"


def test_depth_tracks_nesting() -> None:
    w6 = [s["x-fundament-depth"] for s in _steps(BY_TYPE[WorkflowType.W6])]
    assert w6 == [0] * 5 + [1] * 6 + [2] * 6 + [3] * 6 + [2] * 3 + [1] * 2 + [0] * 2
    w5 = [s["x-fundament-depth"] for s in _steps(BY_TYPE[WorkflowType.W5])]
    assert w5 == [0] * 6


@pytest.mark.parametrize("doc", DOCUMENTS, ids=_doc_id)
def test_fork_targets_only_on_the_template_fork_points(doc: Json) -> None:
    template = WORKFLOWS[WorkflowType(str(doc["x-fundament-workflow-type"]))]
    expected = {
        f"{p.process.value}.{p.step}": [t.value for t in p.targets] for p in template.fork_points
    }
    found = {
        str(s["id"]): s["x-fundament-fork-targets"]
        for s in _steps(doc)
        if "x-fundament-fork-targets" in s
    }
    assert found == expected


@pytest.mark.parametrize("doc", DOCUMENTS, ids=_doc_id)
def test_ids_are_unique_and_activities_are_complete(doc: Json) -> None:
    step_ids = [s["id"] for s in _steps(doc)]
    assert len(step_ids) == len(set(step_ids))
    activity_ids = [a["id"] for s in _steps(doc) for a in _activities(s)]
    assert len(activity_ids) == len(set(activity_ids))
    profiles = doc["profiles"]
    assert isinstance(profiles, list)
    declared = {p["id"] for p in profiles}
    used: set[str] = set()
    for step in _steps(doc):
        for activity in _activities(step):
            responsibilities = activity["responsibilities"]
            assert isinstance(responsibilities, dict)
            used.update(responsibilities)
    assert used == declared
    for step in _steps(doc):
        assert 2 <= len(_activities(step)) <= 6
        assert [a["sort-index"] for a in _activities(step)] == list(
            range(1, len(_activities(step)) + 1)
        )


def test_export_is_deterministic() -> None:
    first = json.dumps(export_workflow_templates(), sort_keys=True)
    second = json.dumps(export_workflow_templates(CURRENT_VERSION), sort_keys=True)
    assert first == second


def test_unknown_pattern_version_is_refused() -> None:
    with pytest.raises(UnknownPatternVersionError):
        export_workflow_template(WorkflowType.W1, "usm-patterns@99")


def _w2() -> Json:
    return copy.deepcopy(BY_TYPE[WorkflowType.W2])


def test_validator_reports_a_missing_field() -> None:
    doc = _w2()
    del doc["name"]
    assert validate_wif_document(doc) == ["document: missing required field 'name'"]


def test_validator_reports_a_missing_step_field() -> None:
    doc = _w2()
    del _steps(doc)[2]["process"]
    assert validate_wif_document(doc) == ["steps[2]: missing required field 'process'"]


def test_validator_reports_a_duplicate_step_id() -> None:
    doc = _w2()
    _steps(doc)[3]["id"] = _steps(doc)[0]["id"]
    assert validate_wif_document(doc) == ["steps[3]: duplicate step id 'change.accept'"]


@pytest.mark.parametrize("version", ["2.0.0", "0.9.1"])
def test_validator_reports_an_unsupported_format_major(version: str) -> None:
    doc = _w2()
    doc["format-version"] = version
    problems = validate_wif_document(doc)
    assert len(problems) == 1
    assert "major version" in problems[0]


@pytest.mark.parametrize("version", ["1.0", "one", 1])
def test_validator_reports_a_malformed_format_version(version: object) -> None:
    doc = _w2()
    doc["format-version"] = version
    assert validate_wif_document(doc) == [
        f"format-version: {version!r} is not a MAJOR.MINOR.PATCH version"
    ]


def test_validator_accepts_a_newer_minor_version() -> None:
    doc = _w2()
    doc["format-version"] = "1.4.2"
    assert validate_wif_document(doc) == []


def test_validator_reports_an_unknown_process() -> None:
    doc = _w2()
    doc["process"] = "problem"
    _steps(doc)[1]["process"] = "release"
    problems = validate_wif_document(doc)
    assert len(problems) == 2
    assert problems[0].startswith("process: unknown value 'problem'")
    assert problems[1].startswith("steps[1].process: unknown value 'release'")


def test_validator_ignores_unknown_fields() -> None:
    doc = _w2()
    doc["x-other-vendor"] = {"anything": [1, 2]}
    doc["context"] = "tenant/acme"
    _steps(doc)[0]["colour"] = "blue"
    _activities(_steps(doc)[0])[0]["work-instruction"] = "see wiki"
    assert validate_wif_document(doc) == []


def test_validator_reports_raci_problems() -> None:
    doc = _w2()
    activity = _activities(_steps(doc)[0])[0]
    activity["responsibilities"] = {"operator": ["S"], "ghost": ["R"]}
    problems = validate_wif_document(doc)
    where = "steps[0].activities[0].responsibilities"
    assert problems == [
        f"{where}['operator']: unknown letter 'S'",
        f"{where}: undeclared profile 'ghost'",
        f"{where}: needs exactly one A, has 0",
    ]


@pytest.mark.parametrize("doc", [None, [], "x", {"steps": "many"}])
def test_validator_survives_wrong_shapes(doc: object) -> None:
    assert validate_wif_document(doc)


def test_repeated_process_runs_get_depth_suffixed_ids() -> None:
    base = WORKFLOWS[WorkflowType.W4]
    change, operate, recover = Process.CHANGE, Process.OPERATE, Process.RECOVER
    template = replace(
        base,
        path=(
            PathSegment(recover, 1, 5),
            PathSegment(operate, 1, 6),
            PathSegment(change, 1, 6),
            PathSegment(operate, 1, 6),
            PathSegment(change, 7, 9),
            PathSegment(operate, 1, 6),
            PathSegment(recover, 6, 7),
        ),
    )
    placed = wif._expand(template, PROCESSES)
    docs = wif._step_documents(template, placed)
    ids = [str(d["id"]) for d in docs]
    assert len(ids) == len(set(ids))
    assert "recover.accept" in ids
    assert {"operate.accept-d1-1", "operate.accept-d2", "operate.accept-d1-2"} <= set(ids)
    assert "change.accept" in ids


def test_a_path_that_resumes_out_of_order_is_refused() -> None:
    base = WORKFLOWS[WorkflowType.W5]
    template = replace(
        base,
        path=(PathSegment(Process.OPERATE, 1, 3), PathSegment(Process.CHANGE, 7, 9)),
    )
    with pytest.raises(ValueError, match="resumes no open process run"):
        wif._expand(template, PROCESSES)
