"""Figure of ``docs/charger-fault-model.md``: charger current vs terminal voltage, per law.

Run: ``python docs/figures/charger_current_vs_voltage.py`` (writes the PNG beside this file).
The curves are computed by :func:`protv2g.engine.control_law.injection` itself, so the figure
shows the law the engine uses, not a drawing of it.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from protv2g.engine.control_law import (  # noqa: E402
    ACTIVE,
    CONSTANT,
    REACTIVE,
    LawArrays,
    injection,
)

OUT = Path(__file__).with_suffix(".png")
FIRST_CYCLE_PU, SUSTAINED_PU = 1.5, 1.1


def _law(code: int, p: float, phi: float = 0.0) -> LawArrays:
    def a(x: float) -> np.ndarray:
        return np.array([x])
    return LawArrays(law=np.array([code]), gfm=np.array([False]), i_rated=a(1.0), p=a(p),
                     q=a(0.0), phi=a(phi), k_factor=a(2.0), deadband=a(0.0), k2=a(0.0),
                     z_gfm=np.array([0j]))


def _curve(code: int, p: float, lim: float, hold: bool = False, phi: float = 0.0):
    v = np.linspace(0.0, 1.1, 441)
    inj = injection(v[None, :].astype(complex), np.zeros((1, len(v))), np.full((1, 1), lim),
                    _law(code, p, phi), np.ones((1, len(v)), complex),
                    hold=np.array([[hold]]))
    i = inj.i1[0]
    return v, np.abs(i), i.real, -i.imag


def main() -> Path:
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.2), sharey=True)
    ax = axes[0]
    for p in (0.25, 0.5, 1.0):
        v, mag, _, _ = _curve(ACTIVE, p, SUSTAINED_PU)
        ax.plot(v, mag, label=f"P = {p:g} pu")
    ax.set_title("active-power priority (sustained)\n|I| = P/|V| up to the limit")
    ax = axes[1]
    v, mag, i_d, i_q = _curve(REACTIVE, 0.5, SUSTAINED_PU)
    ax.plot(v, mag, label="|I|")
    ax.plot(v, i_q, "--", label="reactive i_q = k·(1 − |V|)")
    ax.plot(v, i_d, ":", label="active i_d = P/|V| in what is left")
    ax.set_title("reactive-current priority (sustained)\nk = 2, P = 0.5 pu")
    ax = axes[2]
    v, mag, _, _ = _curve(ACTIVE, 0.5, FIRST_CYCLE_PU, hold=True)
    ax.plot(v, mag, label=f"first cycle: limit held ({FIRST_CYCLE_PU:g} pu)")
    v, mag, _, _ = _curve(CONSTANT, 0.5, SUSTAINED_PU, phi=0.0)
    ax.plot(v, mag, "--", label=f"constant_current law ({SUSTAINED_PU:g} pu)")
    ax.set_title("first cycle (high bracket) and constant current")
    for a in axes:
        a.axhline(SUSTAINED_PU, color="0.6", lw=0.8)
        a.axhline(FIRST_CYCLE_PU, color="0.6", lw=0.8, ls=":")
        a.axvspan(0.0, 0.45, color="tab:red", alpha=0.06)
        a.axvline(0.5, color="tab:purple", lw=0.8, ls="--")
        a.text(0.02, 0.05, "Cat II: UV2 trip\nin 0.16 s", color="tab:red", fontsize=7)
        a.text(0.51, 0.05, "Cat III: cessation\nbelow 0.5 pu", color="tab:purple", fontsize=7)
        a.set_xlabel("positive-sequence terminal voltage |V1| (pu of pre-fault)")
        a.grid(alpha=0.3)
        a.legend(fontsize=7, loc="upper right")
        a.set_xlim(0, 1.1)
    axes[0].set_ylabel("positive-sequence current (pu of connected kVA)")
    axes[0].set_ylim(0, 1.8)
    fig.suptitle("Charger fault current vs terminal voltage (protv2g.engine.control_law)",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(OUT, dpi=130)
    plt.close(fig)
    return OUT


if __name__ == "__main__":
    print(main())
