"""``compile_script`` runs every command in its script's folder (one ``cd`` per file, again
after a nested file or a command that moves OpenDSS elsewhere, #21)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

from protv2g.errors import InputError  # noqa: E402
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


def test_rejected_command_names_its_file_and_line(tmp_path: Path) -> None:
    """Commands go to OpenDSS in blocks (#21); a rejected one is still named by file and line,
    and the commands after it are not run."""
    (tmp_path / "lines.dss").write_text(
        "New Line.l1 bus1=src bus2=b length=1\n"
        "! a comment\n"
        "New Line.l2 bus1=b bus2=c\n"
        "~ length=abc\n"
        "New Line.l3 bus1=c bus2=d\n")
    master = tmp_path / "master.dss"
    master.write_text("Clear\nNew Circuit.x basekv=12.47 bus1=src\nRedirect lines.dss\n"
                      "New Line.l4 bus1=d bus2=e\n")
    dss = new_engine()
    with pytest.raises(InputError) as err:
        compile_script(master, dss)
    issue = err.value.issues[0]
    assert issue.file == str((tmp_path / "lines.dss").resolve())
    assert issue.field == "line 4"
    assert "length=abc" in issue.message and "user-provided string" not in issue.message
    assert [n.lower() for n in dss.Circuit.AllElementNames()] == [
        "vsource.source", "line.l1", "line.l2"]


def test_nul_byte_ends_its_line_only(tmp_path: Path) -> None:
    """A NUL byte ends the command it is on (as a C string), not the rest of the file
    (EPRI ckt5's LineGeometry file has one)."""
    master = tmp_path / "master.dss"
    master.write_bytes(b"Clear\nNew Circuit.x basekv=12.47 bus1=src\n"
                       b"New Line.l1 bus1=src bus2=b length=2\x00 junk\r\n"
                       b"New Line.l2 bus1=b bus2=c length=3\n")
    dss = new_engine()
    compile_script(master, dss)
    dss.Lines.Name("l1")
    assert dss.Lines.Length() == pytest.approx(2.0, abs=1e-12)
    dss.Lines.Name("l2")
    assert dss.Lines.Length() == pytest.approx(3.0, abs=1e-12)


class _EngineWithoutBlockLines:
    """An engine whose block error names no line (older DSS C-API builds): the error must
    still name the file, and the line when the message quotes it."""

    def __init__(self, message: str) -> None:
        outer = self

        class _Text:
            def Command(self, line: str) -> None:  # noqa: N802
                pass

            def Commands(self, block: str) -> None:  # noqa: N802
                raise RuntimeError(outer.message)

        class _Basic:
            def AllowEditor(self, flag: bool) -> None:  # noqa: N802
                pass

        self.message = message
        self.Text, self.Basic = _Text(), _Basic()


@pytest.mark.parametrize(("message", "field"), [
    ('Unknown Command: "bogus" \nbogus 1 2', "line 3"),
    ("(#401) LineGeometry object not found.", "lines 1–4"),
])
def test_rejected_block_without_line_number(tmp_path: Path, message: str, field: str) -> None:
    master = tmp_path / "master.dss"
    master.write_text("Clear\nNew Circuit.x\nbogus 1 2\nNew Line.l1 bus1=a bus2=b\n")
    with pytest.raises(InputError) as err:
        compile_script(master, _EngineWithoutBlockLines(message))
    assert err.value.issues[0].field == field
    assert err.value.issues[0].file == str(master.resolve())
