"""``protv2g curves list`` fits a terminal (review s18: pandas right-aligned the source
column and padded it to ~300 characters): left-aligned columns, the source cut with "…" to
the terminal's width; ``--json`` keeps the full text."""

from __future__ import annotations

import json

from protv2g.cli import main


def test_curves_list_fits_the_terminal(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    assert main(["curves", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["name", "kind", "family", "source"]
    assert lines[1][0] != " "  # left-aligned
    assert max(map(len, lines)) <= 100
    assert main(["curves", "list", "--json"]) == 0
    full = json.loads(capsys.readouterr().out)
    assert max(len(r["source"]) for r in full) > 100  # the cut text is whole in --json
