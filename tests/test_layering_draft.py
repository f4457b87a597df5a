"""The drafting step does not reach into the checks (design.md: no module imports a higher
one): ``study_draft`` took C7's X/R physics from ``checks.asymmetry`` and the rating X/R from
``checks.duty`` (review s17); both live in :mod:`protv2g.engine.asymmetry`, re-exported by
``checks.asymmetry`` for C7."""

from __future__ import annotations

import ast
from pathlib import Path

import protv2g.checks.asymmetry as checks_asym
import protv2g.checks.duty as duty
import protv2g.engine.asymmetry as engine_asym

DRAFT = Path(__file__).resolve().parents[1] / "protv2g" / "study_draft"


def _imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
    return out


def test_study_draft_imports_no_checks():
    for path in sorted(DRAFT.glob("*.py")):
        bad = sorted(m for m in _imports(path) if m.startswith("protv2g.checks"))
        assert not bad, f"{path.name} imports {bad}"


def test_one_definition_of_the_physics():
    for name in checks_asym.__all__:
        assert getattr(checks_asym, name) is getattr(engine_asym, name)
    assert duty.RATING_X_R_DEFAULT is engine_asym.RATING_X_R_DEFAULT == 17.0
