"""Checks a USM-WIF document; unknown fields are ignored (the format's must-ignore policy)."""

from domain.patterns.vocabulary import Dynamicity, Process

SUPPORTED_MAJOR = 1
DOCUMENT_TYPES = ("workflow-template", "workflow")
REQUIRED_FIELDS = (
    "format-version",
    "type",
    "source-system-type",
    "source-system-version",
    "workflow-version",
    "slug",
    "name",
    "process",
    "dynamicity",
    "steps",
)
STEP_FIELDS = ("id", "sort-index", "name", "process", "activities")
ACTIVITY_FIELDS = ("id", "sort-index", "description", "responsibilities")
RACI_LETTERS = ("R", "A", "C", "I")

_PROCESSES = tuple(p.value for p in Process)
_DYNAMICITIES = tuple(d.value for d in Dynamicity)


def validate_wif_document(document: object) -> list[str]:
    """Every problem found in a USM-WIF document; an empty list means it is usable."""
    root = _object(document)
    if root is None:
        return ["document: not a JSON object"]
    problems = _missing("document", root, REQUIRED_FIELDS)
    problems += _format_version(root.get("format-version"))
    problems += _choice("type", root.get("type"), DOCUMENT_TYPES)
    problems += _choice("process", root.get("process"), _PROCESSES)
    problems += _choice("dynamicity", root.get("dynamicity"), _DYNAMICITIES)
    profile_ids, profile_problems = _profiles(root.get("profiles"))
    problems += profile_problems
    if "steps" in root:
        problems += _steps(root["steps"], profile_ids)
    return problems


def _object(value: object) -> dict[str, object] | None:
    if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
        return None
    return {str(key): item for key, item in value.items()}


def _list(value: object) -> list[object] | None:
    return list(value) if isinstance(value, list) else None


def _missing(where: str, data: dict[str, object], fields: tuple[str, ...]) -> list[str]:
    return [f"{where}: missing required field {name!r}" for name in fields if name not in data]


def _choice(name: str, value: object, allowed: tuple[str, ...]) -> list[str]:
    if value is None or value in allowed:
        return []
    return [f"{name}: unknown value {value!r} (expected one of {', '.join(allowed)})"]


def _format_version(value: object) -> list[str]:
    if value is None:
        return []
    parts = value.split(".") if isinstance(value, str) else []
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        return [f"format-version: {value!r} is not a MAJOR.MINOR.PATCH version"]
    if int(parts[0]) != SUPPORTED_MAJOR:
        return [f"format-version: major version {parts[0]} is not supported ({SUPPORTED_MAJOR})"]
    return []


def _profiles(value: object) -> tuple[set[str] | None, list[str]]:
    """The declared profile ids (``None`` when the document declares none) and problems."""
    if value is None:
        return None, []
    items = _list(value)
    if items is None:
        return None, ["profiles: not a list"]
    ids: set[str] = set()
    problems: list[str] = []
    for index, item in enumerate(items):
        profile = _object(item)
        if profile is None:
            problems.append(f"profiles[{index}]: not a JSON object")
            continue
        problems += _missing(f"profiles[{index}]", profile, ("id", "name"))
        if isinstance(profile.get("id"), str):
            ids.add(str(profile["id"]))
    return ids, problems


def _steps(value: object, profile_ids: set[str] | None) -> list[str]:
    items = _list(value)
    if items is None:
        return ["steps: not a list"]
    problems: list[str] = []
    seen: set[object] = set()
    for index, item in enumerate(items):
        step = _object(item)
        where = f"steps[{index}]"
        if step is None:
            problems.append(f"{where}: not a JSON object")
            continue
        problems += _missing(where, step, STEP_FIELDS)
        problems += _duplicate(where, step.get("id"), seen, "step id")
        problems += _sort_index(where, step.get("sort-index"))
        problems += _choice(f"{where}.process", step.get("process"), _PROCESSES)
        if "activities" in step:
            problems += _activities(where, step["activities"], profile_ids)
    return problems


def _duplicate(where: str, value: object, seen: set[object], what: str) -> list[str]:
    if value is None or not isinstance(value, str | int):
        return []
    if value in seen:
        return [f"{where}: duplicate {what} {value!r}"]
    seen.add(value)
    return []


def _sort_index(where: str, value: object) -> list[str]:
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return []
    return [f"{where}.sort-index: {value!r} is not an integer"]


def _activities(where: str, value: object, profile_ids: set[str] | None) -> list[str]:
    items = _list(value)
    if items is None:
        return [f"{where}.activities: not a list"]
    problems: list[str] = []
    seen: set[object] = set()
    for index, item in enumerate(items):
        activity = _object(item)
        here = f"{where}.activities[{index}]"
        if activity is None:
            problems.append(f"{here}: not a JSON object")
            continue
        problems += _missing(here, activity, ACTIVITY_FIELDS)
        problems += _duplicate(here, activity.get("id"), seen, "activity id")
        problems += _sort_index(here, activity.get("sort-index"))
        if "responsibilities" in activity:
            problems += _responsibilities(here, activity["responsibilities"], profile_ids)
    return problems


def _responsibilities(where: str, value: object, profile_ids: set[str] | None) -> list[str]:
    mapping = _object(value)
    if mapping is None:
        return [f"{where}.responsibilities: not a JSON object"]
    problems: list[str] = []
    letters: list[object] = []
    for profile, assigned in mapping.items():
        if profile_ids is not None and profile not in profile_ids:
            problems.append(f"{where}.responsibilities: undeclared profile {profile!r}")
        items = _list(assigned)
        if items is None:
            problems.append(f"{where}.responsibilities[{profile!r}]: not a list")
            continue
        bad = [letter for letter in items if letter not in RACI_LETTERS]
        problems += [f"{where}.responsibilities[{profile!r}]: unknown letter {b!r}" for b in bad]
        letters += items
    if letters.count("A") != 1:
        problems.append(f"{where}.responsibilities: needs exactly one A, has {letters.count('A')}")
    if "R" not in letters:
        problems.append(f"{where}.responsibilities: needs at least one R")
    return problems
