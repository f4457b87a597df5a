"""A stopped ``init`` leaves no folder it made (fix47 item 2): the study's folder and the
model copy's were made before the set of files was written, and a stop (Ctrl-C, SIGTERM's
:class:`~protv2g.commands.stop.Stopped`) or an error while the model was copied removed the
temporaries but left the folders, empty. A folder that was there before stays."""

from __future__ import annotations

import os
import shutil

import pytest

pytest.importorskip("opendssdirect")

from protv2g.cli import main  # noqa: E402
from protv2g.commands.stop import Stopped  # noqa: E402

from .conftest import FEEDERS_DIR  # noqa: E402

EXAMPLE = FEEDERS_DIR / "opendss_example"


@pytest.mark.parametrize("stop", [KeyboardInterrupt, Stopped, OSError])
def test_a_stop_during_the_model_copy_leaves_no_folder(tmp_path_factory, monkeypatch, capsys,
                                                      stop):
    model = tmp_path_factory.mktemp("model")
    for f in ("Master.dss", "LineCodes.dss"):
        shutil.copy(EXAMPLE / f, model / f)
    studies = tmp_path_factory.mktemp("studies")
    real, calls = shutil.copy2, []

    def second_cut(src, dst, *a, **k):
        calls.append(src)
        if len(calls) == 2:  # the model's second file
            raise stop(15) if stop is Stopped else stop("stopped while the model was copied")
        return real(src, dst, *a, **k)

    import protv2g.commands.init as init_cmd

    monkeypatch.setattr(init_cmd.shutil, "copy2", second_cut)
    out = studies / "ckt" / "study.yaml"
    args = ["init", str(model / "Master.dss"), "-o", str(out)]
    if stop is OSError:
        with pytest.raises(OSError):
            main(args)
    else:
        assert main(args) == (130 if stop is KeyboardInterrupt else 143)
        assert "nothing written" in capsys.readouterr().err
    assert len(calls) == 2
    assert os.listdir(studies) == []  # neither ckt/ nor ckt/model…/, no temporary
    # a folder that was there before stays (and the run goes through without the stop)
    (studies / "ckt").mkdir()
    monkeypatch.setattr(init_cmd.shutil, "copy2", real)
    assert main(args) == 0
    assert (out.parent / model.name / "Master.dss").read_text() == \
        (model / "Master.dss").read_text()
