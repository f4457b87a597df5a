"""The attribution's message suffixes written when read (#21, chk40): the same texts as the
loop that wrote every suffixed row's text before the grouping dropped most of them.

Reference: the loop of :func:`protv2g.checks.attribution.attribute` before session 40
(copied below as ``_eager``), on random parts that overlap, with NaN current changes among
the shared rows and rows read in any order, repeated and in part.
"""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd

from protv2g.checks.attribution_materiality import MATERIALITY, marginal_text, material_text
from protv2g.checks.attribution_share_text import marginal_scatter_text, share_text
from protv2g.checks.attribution_suffix import suffix_messages
from protv2g.messages import MessageArray


def _eager(parts: dict, crit: np.ndarray, unit: dict, sh_named: list[str]) -> dict[int, str]:
    """The loop of ``attribute`` before session 40 (row → suffix, in insertion order)."""
    suffix: dict[int, str] = {}
    material, change, tol_mat = parts["material"]
    for k, d, t in zip(material.tolist(), change.tolist(), tol_mat.tolist(), strict=True):
        suffix[k] = suffix.get(k, "") + material_text(str(crit[k]), unit[k], d, t)
    marginal, pm_marg, chg_marg, tol_marg = parts["marginal"]
    for k, p, d, t in zip(marginal.tolist(), pm_marg.tolist(), chg_marg.tolist(),
                          tol_marg.tolist(), strict=True):
        suffix[k] = suffix.get(k, "") + marginal_text(str(crit[k]), unit[k], p, d, t)
    shared, base_sh, chg_sh, i_sh = parts["shared"]
    named = iter(sh_named)
    for k, b, d, ic in zip(shared.tolist(), base_sh.tolist(), chg_sh.tolist(), i_sh.tolist(),
                           strict=True):
        by_i = ic == ic
        suffix[k] = suffix.get(k, "") + share_text(b, d, unit[k], ic if by_i else None,
                                                   next(named) if by_i else "")
    scattered, *figures, sc_named = parts["scattered"]
    for k, p, t, d, ic, nm in zip(scattered.tolist(), *(a.tolist() for a in figures),
                                  sc_named, strict=True):
        suffix[k] = suffix.get(k, "") + marginal_scatter_text(p, t, d, unit[k], ic, nm)
    for name in ("moved", "absent"):
        for k, text in zip(*parts[name], strict=True):
            suffix[k] = suffix.get(k, "") + text
    return suffix


def _random_parts(rng: np.random.Generator, n_rows: int) -> tuple[dict, np.ndarray, dict,
                                                                 list[str]]:
    def rows(k: int) -> np.ndarray:
        return np.sort(rng.choice(n_rows, size=k, replace=False))

    def figs(k: int) -> np.ndarray:
        return rng.normal(0.0, 3.0, k)

    material, marginal, shared, scattered = rows(40), rows(25), rows(30), rows(15)
    i_sh = np.where(rng.random(len(shared)) < 0.3, np.nan, rng.random(len(shared)))
    by_current = (rng.random(len(shared)) < 0.5) | np.isfinite(i_sh)  # ⊇ the known changes
    sh_named = [f"R{k}'s |3I0|" for k in range(int(by_current.sum()))]
    moved, absent = rows(10), rows(12)
    parts = {
        "material": (material, figs(len(material)), np.abs(figs(len(material)))),
        "marginal": (marginal, figs(len(marginal)), figs(len(marginal)),
                     np.abs(figs(len(marginal)))),
        "shared": (shared, -np.abs(figs(len(shared))), figs(len(shared)), i_sh),
        "scattered": (scattered, np.abs(figs(len(scattered))), np.abs(figs(len(scattered))),
                      figs(len(scattered)), rng.random(len(scattered)),
                      [f"F{k}'s phase current" if k % 2 else "" for k in range(len(scattered))]),
        "moved": (moved.tolist(), [f"; moved {k}" for k in moved.tolist()]),
        "absent": (absent.tolist(), [f"; absent {k}" for k in absent.tolist()]),
    }
    crit = rng.choice(np.array(["C8", "C12", "C5", "C1"], dtype=object), n_rows)
    units = np.array(["%", "A", "pu", "× pickup", "s", "% VUF"], dtype=object)
    unit = {k: str(rng.choice(units)) for k in range(n_rows)}
    keys = list(MATERIALITY)  # a material row's criterion and unit have a threshold
    for k in material.tolist():
        crit[k], unit[k] = keys[int(rng.integers(len(keys)))]
    return parts, crit, unit, sh_named


def _lazy(parts: dict, crit: np.ndarray, unit: dict, sh_named: list[str]
          ) -> tuple[np.ndarray, MessageArray]:
    """What ``attribute`` does now: the same parts handed to :func:`suffix_messages`."""
    material, marginal, shared, scattered = (parts[k][0] for k in (
        "material", "marginal", "shared", "scattered"))
    moved, absent = (np.asarray(parts[k][0], dtype=np.intp) for k in ("moved", "absent"))
    i_sh = parts["shared"][3]
    on_current = [""] * len(shared)
    for j, name in zip(np.flatnonzero(i_sh == i_sh).tolist(), sh_named, strict=False):
        on_current[j] = name
    at = np.fromiter(dict.fromkeys(np.concatenate(
        [material, marginal, shared, scattered, moved, absent]).tolist()), dtype=np.intp)
    read = np.union1d(np.union1d(np.union1d(material, marginal), shared), scattered)
    return at, suffix_messages(at, {
        "material": parts["material"], "marginal": parts["marginal"],
        "shared": (*parts["shared"], on_current), "scattered": parts["scattered"],
        "moved": (moved, parts["moved"][1]), "absent": (absent, parts["absent"][1])},
        {k: str(crit[k]) for k in read.tolist()}, {k: unit[k] for k in read.tolist()})


def test_suffixes_as_the_eager_loop_wrote_them() -> None:
    """Every row's suffix, read whole, in part, in any order and repeated; after a pickle."""
    for seed in range(25):
        rng = np.random.default_rng(seed)
        parts, crit, unit, sh_named = _random_parts(rng, 200)
        want = _eager(parts, crit, unit, sh_named)
        at, lazy = _lazy(parts, crit, unit, sh_named)
        assert at.tolist() == list(want)  # the rows in the order the loop suffixed them
        expected = [want[k] for k in at.tolist()]
        assert lazy.tolist() == expected
        some = rng.integers(0, len(at), 60)  # repeats, any order
        assert lazy.texts(some).tolist() == [expected[k] for k in some.tolist()]
        assert pickle.loads(pickle.dumps(lazy)).tolist() == expected


def test_suffixed_messages_read_as_base_plus_suffix() -> None:
    """A message column suffixed lazily reads as its text plus the suffix, the other rows
    as they were (:meth:`MessageArray.suffixed` with a :class:`MessageArray`)."""
    rng = np.random.default_rng(7)
    parts, crit, unit, sh_named = _random_parts(rng, 200)
    want = _eager(parts, crit, unit, sh_named)
    at, lazy = _lazy(parts, crit, unit, sh_named)
    base = MessageArray._from_sequence(np.array([f"row {k}" for k in range(200)], dtype=object))
    out = pd.Series(base.suffixed(at, lazy)).tolist()
    assert out == [f"row {k}{want.get(k, '')}" for k in range(200)]
