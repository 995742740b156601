"""The GitHub workflows a list copies pass actionlint, so a list's nightly job is checked
before anyone copies it (its syntax, its expressions, and actions whose runtime GitHub has
removed from its runners, such as node20 in September 2026). So does the composite action
(action.yml), which actionlint checks when a workflow uses it as ``./`` and, its steps
put in a workflow of their own, step by step."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml  # PyYAML, which huggingface_hub requires

ROOT = Path(__file__).parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml")) + sorted(
    (ROOT / "examples").glob("*.y*ml")
)
ACTION = ROOT / "action.yml"


def _actionlint() -> str:
    found = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which(
        "actionlint"
    )
    if found is None:
        pytest.fail("actionlint is missing: install the test extras (pip install -e '.[test]').")
    return found


def test_there_are_workflows_to_check() -> None:
    assert [p.name for p in WORKFLOWS] == ["nightly.yml", "alignfetch-nightly.yml"]


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_passes_actionlint(workflow: Path) -> None:
    # Catches: an action pinned to a major that runs on a removed runtime
    # (actions/checkout@v4 on node20), a mistyped input, a broken ${{ }} expression.
    done = _lint(workflow, ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


def _lint(workflow: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_actionlint(), "-no-color", str(workflow)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def _action() -> dict[str, Any]:
    action: dict[str, Any] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return action


# Catches: an action.yml GitHub refuses to run (no description, not composite, an
# input without a description), a `run:` step without `shell:` (required in a composite
# action, unlike a workflow), and an input declared but never read (a switch that
# switches nothing).
def test_the_action_has_the_shape_github_needs() -> None:
    action = _action()
    assert {"name", "description", "inputs", "runs"} <= set(action)
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    for step in steps:
        assert "name" in step
        assert ("run" in step) != ("uses" in step), step["name"]
        if "run" in step:
            assert step.get("shell") == "bash", step["name"]
    text = yaml.safe_dump(steps) + yaml.safe_dump(action.get("outputs", {}))
    for name, spec in action["inputs"].items():
        assert spec.get("description"), name
        assert f"inputs.{name}" in text, f"input {name} is never used"
    # Each part the issue names can be switched off.
    for switch in (
        "install",
        "refresh",
        "render",
        "check",
        "site",
        "pull-request",
        "discover-issue",
    ):
        assert action["inputs"][switch]["default"] in ("true", "false"), switch
        assert any(f"inputs.{switch} == 'true'" in str(step.get("if", "")) for step in steps), (
            switch
        )


def _project_using_the_action(tmp_path: Path, inputs: dict[str, str]) -> Path:
    """A repository holding action.yml and a workflow that uses it as ``./``."""
    shutil.copy(ACTION, tmp_path / "action.yml")
    (tmp_path / ".git").mkdir()
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    workflow = {
        "on": "push",
        "jobs": {
            "list": {
                "runs-on": "ubuntu-latest",
                "steps": [{"uses": "actions/checkout@v7"}, {"uses": "./", "with": inputs}],
            }
        },
    }
    path = workflows / "use.yml"
    path.write_text(yaml.safe_dump(workflow, sort_keys=False), encoding="utf-8")
    return path


# Catches: metadata actionlint refuses in action.yml (a missing description, a bad
# output), which only shows when a workflow uses the action.
def test_a_workflow_using_the_action_with_every_input_passes_actionlint(tmp_path: Path) -> None:
    inputs = {name: "x" for name in _action()["inputs"]}
    done = _lint(_project_using_the_action(tmp_path, inputs), tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_refuses_an_input_the_action_does_not_have(tmp_path: Path) -> None:
    # The check above can fail: a mistyped input of the action is reported.
    done = _lint(_project_using_the_action(tmp_path, {"pagez": "true"}), tmp_path)
    assert done.returncode != 0
    assert 'input "pagez" is not defined' in done.stdout


def _steps_as_workflow(tmp_path: Path, steps: list[dict[str, Any]]) -> Path:
    """The action's steps as one job of a workflow_call workflow with the same inputs,
    which actionlint checks as it checks any workflow (composite steps it does not)."""
    inputs = {name: {"type": "string", "required": False} for name in _action()["inputs"]}
    workflow = {
        "on": {"workflow_call": {"inputs": inputs}},
        "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": steps}},
    }
    path = tmp_path / "action-steps.yml"
    path.write_text(yaml.safe_dump(workflow, sort_keys=False), encoding="utf-8")
    return path


# Catches: in the action's own steps, an action on a removed runtime, a step output read
# from a step ID that does not exist, an input read that is not declared, a broken ${{ }}.
def test_the_actions_steps_pass_actionlint(tmp_path: Path) -> None:
    done = _lint(_steps_as_workflow(tmp_path, _action()["runs"]["steps"]), tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_refuses_a_step_reading_an_undeclared_input(tmp_path: Path) -> None:
    steps = _action()["runs"]["steps"] + [
        {"name": "typo", "shell": "bash", "run": "echo ${{ inputs.sitee }}"}
    ]
    done = _lint(_steps_as_workflow(tmp_path, steps), tmp_path)
    assert done.returncode != 0
    assert "sitee" in done.stdout


# Catches: the example a list copies passing inputs the action no longer has.
def test_the_example_passes_only_inputs_the_action_has() -> None:
    example = yaml.safe_load(
        (ROOT / "examples" / "alignfetch-nightly.yml").read_text(encoding="utf-8")
    )
    uses = [
        step
        for job in example["jobs"].values()
        for step in job["steps"]
        if str(step.get("uses", "")).startswith("OWNER/alignfetch@")
    ]
    assert len(uses) == 1
    assert set(uses[0].get("with", {})) <= set(_action()["inputs"])


def test_actionlint_refuses_a_node20_action(tmp_path: Path) -> None:
    # The check above can fail: an old major is reported, so a passing run means something.
    old = tmp_path / "old.yml"
    old.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [_actionlint(), "-no-color", str(old)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0
    assert "node20" in done.stdout
