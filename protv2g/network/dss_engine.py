"""A fresh OpenDSS engine context, in a module of its own so that the OpenDSS model path
(:mod:`protv2g.network.dss_compile`, :mod:`~protv2g.network.dss_model`) and the topology that
reads it import neither pandapower nor the pandapower importer (:mod:`protv2g.network.opendss`,
which re-exports it): ``protv2g validate`` stays light (#21; the V2G-site path check of
:mod:`protv2g.gate_coverage` reads the topology).
"""

from __future__ import annotations

import os

from protv2g.errors import InputError, Issue

__all__ = ["new_engine"]


def new_engine():  # noqa: ANN201
    """A fresh ``opendssdirect`` engine context (does not disturb the global one).

    Raises
    ------
    InputError
        ``opendssdirect.py`` is not installed.
    """
    try:
        import opendssdirect
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise InputError(
            Issue(
                "OpenDSS model",
                "",
                "opendssdirect.py is not installed",
                "pip install 'protv2g[opendss]'",
            )
        ) from exc
    cwd = os.getcwd()
    try:
        dss = opendssdirect.NewContext()  # moves the process into its start-up folder
    finally:
        os.chdir(cwd)
    dss.Basic.AllowEditor(False)
    return dss
