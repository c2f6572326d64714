"""The read-model registry takes its settings from the environment, the reporting key too."""

import hashlib
import hmac
from uuid import uuid4

import pytest

from projections.read_models.registry import all_read_models
from projections.read_models.reporting.model import ReportingReadModel
from projections.settings import FlowSettings


def _reporting(models: list[object]) -> ReportingReadModel:
    return next(m for m in models if isinstance(m, ReportingReadModel))


def test_the_reporting_pseudonyms_use_the_configured_key(monkeypatch: pytest.MonkeyPatch) -> None:
    call_id = uuid4()
    monkeypatch.setenv("FUNDAMENT_REPORTING_KEY", "board-secret")
    keyed = _reporting(all_read_models()).call_key(call_id)
    expected = hmac.new(b"board-secret", call_id.bytes, hashlib.sha256).hexdigest()[:32]
    assert keyed == expected
    monkeypatch.delenv("FUNDAMENT_REPORTING_KEY")
    assert _reporting(all_read_models()).call_key(call_id) != keyed


def test_the_key_is_not_shown_in_the_settings() -> None:
    flow = FlowSettings.from_env({"FUNDAMENT_REPORTING_KEY": "board-secret"})
    assert flow.reporting_key == "board-secret"
    assert "board-secret" not in repr(flow)


def test_read_models_have_unique_names_and_tables() -> None:
    models = all_read_models(FlowSettings())
    assert len({m.name for m in models}) == len(models)
    tables = [t for m in models for t in m.tables]
    assert len(set(tables)) == len(tables)
