"""The `fundament` command line on the embedded default (SQLite in a temporary directory)."""

import json
from pathlib import Path

import pytest

from gateway.cli import main


@pytest.fixture
def embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data_dir = tmp_path / "data"
    monkeypatch.setenv("FUNDAMENT_STORE", "sqlite")
    monkeypatch.setenv("FUNDAMENT_DATA_DIR", str(data_dir))
    return data_dir


def test_the_demo_completes_all_eight_workflows_and_can_run_twice(
    embedded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for _ in range(2):
        assert main(["demo", "--data-dir", str(embedded)]) == 0
        out = capsys.readouterr().out
        assert "Workflows completed: W1, W2, W3, W4, W5, W6, W7, W8 (8 of 8)" in out
        assert "National Civil Registry (civil-registry)" in out
        assert "MIR changes:" in out
        assert ", 0 parked" in out


def test_tenants_and_calls_are_listed_after_the_demo(
    embedded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--data-dir", str(embedded)]) == 0
    capsys.readouterr()
    assert main(["tenants", "list"]) == 0
    tenants = capsys.readouterr().out.splitlines()
    assert len(tenants) == 5
    assert any(line.startswith("civil-registry ") for line in tenants)
    assert main(["calls", "list", "--tenant", "health-north"]) == 0
    calls = capsys.readouterr().out.splitlines()
    assert calls[0].split()[:3] == ["tracking", "type", "status"]
    assert len(calls) > 10
    assert all(" closed " in line for line in calls[1:])


def test_an_unknown_tenant_is_a_one_line_error(
    embedded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--data-dir", str(embedded)]) == 0
    capsys.readouterr()
    assert main(["calls", "list", "--tenant", "atlantis"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("fundament: ") and "atlantis" in err
    assert len(err.strip().splitlines()) == 1


def test_the_demo_refuses_a_directory_it_did_not_create(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "precious.txt").write_text("keep me")
    assert main(["demo", "--data-dir", str(tmp_path)]) == 2
    assert "not from the demo" in capsys.readouterr().err
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_patterns_export_writes_the_eight_templates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["patterns", "export", "--out", str(tmp_path)]) == 0
    files = sorted(tmp_path.glob("*.workflow-template.json"))
    assert len(files) == 8
    documents = [json.loads(f.read_text()) for f in files]
    assert {d["slug"] for d in documents} == {f.name.split(".")[0] for f in files}
