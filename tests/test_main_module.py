"""``python -m protv2g`` runs the ``protv2g`` command (review s20: it had no ``__main__``)."""

from __future__ import annotations

import subprocess
import sys


def test_python_m_protv2g_help():
    out = subprocess.run([sys.executable, "-m", "protv2g", "--help"], capture_output=True,
                         text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("usage: protv2g")
