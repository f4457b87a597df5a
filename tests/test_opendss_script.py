"""``compile_script`` runs every command in its script's folder (one ``cd`` per file, again
after a nested file or a command that moves OpenDSS elsewhere, #21)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

from protv2g.network.opendss import new_engine  # noqa: E402
from protv2g.network.opendss_script import compile_script  # noqa: E402


def _mult(dss, name: str) -> np.ndarray:  # noqa: ANN001
    dss.LoadShape.Name(name)
    return np.asarray(dss.LoadShape.PMult(), dtype=float)


def test_relative_files_after_redirect_and_cd(tmp_path: Path, monkeypatch) -> None:
    sub = tmp_path / "sub"
    sub.mkdir()
    (tmp_path / "a.csv").write_text("0.1\n0.2\n")
    (sub / "a.csv").write_text("0.7\n0.8\n")
    (sub / "inner.dss").write_text("New Loadshape.inner npts=2 interval=1 mult=(file=a.csv)\n")
    master = tmp_path / "master.dss"
    master.write_text(
        "Clear\nNew Circuit.x basekv=12.47 bus1=src\n"
        "Redirect sub/inner.dss\n"
        # after the nested file: the master's folder again
        "New Loadshape.after npts=2 interval=1 mult=(file=a.csv)\n"
        # a script's own cd does not move the next command's folder (as before #21)
        f'cd "{sub}"\n'
        "New Loadshape.cd npts=2 interval=1 mult=(file=a.csv)\n")
    monkeypatch.chdir(sub)  # neither a new engine nor the script moves the process
    dss = new_engine()
    compile_script(master, dss)
    assert os.getcwd() == str(sub)
    np.testing.assert_allclose(_mult(dss, "inner"), [0.7, 0.8], rtol=0, atol=1e-12)
    np.testing.assert_allclose(_mult(dss, "after"), [0.1, 0.2], rtol=0, atol=1e-12)
    np.testing.assert_allclose(_mult(dss, "cd"), [0.1, 0.2], rtol=0, atol=1e-12)
