"""Faults behind a step transformer that has no device of the study (C1–C4).

A pair's rule (C1 relay–relay/fuse, C2 recloser–fuse, C3 fuse–fuse, C4 relay–recloser) is
about the pair's primary clearing a fault in its zone before its backup operates. A fault
behind an in-service step transformer (MV/MV step, service transformer) on which the study
has no device is not in the primary's zone: that transformer's own primary fuse (or
breaker), which the model does not hold, is the primary device there, and the pair's two
devices are both its backups — their mutual coordination for that fault is not what the
criterion asks (IEEE Std C37.230-2020 §6.2: a feeder device's zone ends at its line
section; each step and distribution transformer has its own primary fuse, IEEE Std C37.48,
sized against its through-fault curve, IEEE Std C57.109-2018). The rule is C5's
(:func:`protv2g.topology_reach.first_step_behind`, one rule for all criteria): a transformer
is *unguarded* when no device of the study sits on it, and every bus past it — low voltage
included — is behind it; a fuse on the transformer (``location: {trafo: NAME, side: hv}``)
makes it the primary there and the rows come back, judged as that fuse's pairs.

Such pair rows (:func:`split_pairs`) leave the coordination table (:func:`protv2g.checks.
pairs.merged`): they neither set a pair's worst margin, the Findings' worst margin and the
TCC's interval (read from the same table), nor steer ``recommend``'s search (EPRI ckt24,
review s25 §2: a −18.15 s C2 margin at 343 A behind a 333 kVA step transformer, where a
100K link's TC is 19.5 s, set the finding and left ``recommend`` with no candidate). They
are reported instead (:func:`transformer_rows`), under the criterion of the pair whose
primary is the device nearest above the transformer (the device its fuse would coordinate
with), keyed as that pair's rows:

* one ``warn`` per medium-voltage step transformer: "no device at transformer X (N buses
  behind it) …; model it (devices: a fuse with location {trafo: X, side: hv})";
* one ``info`` per pair for its service transformers (only low-voltage buses behind them):
  as C5 leaves low voltage out (a secondary is the transformer fuse's and the customer main
  breaker's), a count, not a row per transformer (IEEE 8500: over a thousand).

Status ``warn``, not ``not_evaluated``: the precedent of C5's rule — behind an unguarded step
transformer the feeder devices' requirement drops to backup, and an unmet backup
requirement is a ``warn``; nothing the criteria require of the *modelled* devices goes
unjudged (their own zones are evaluated in full). ``not_evaluated`` is an ERROR for the gate
and would refuse every utility feeder whose transformer fuses are not modelled. The rows
are findings (the Findings sheet lists them, ``gate.fail_severities: [fail, warn]`` gates on
them), one per base-case scenario: the transformer is unfused without V2G too, so they are
``pre-existing``, never "caused by V2G".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext, empty, step_paths_of, violation_rows
from protv2g.criteria import pair_criterion
from protv2g.devices.kinds import spec
from protv2g.topology_reach import (
    LOW_VOLTAGE_KV,
    bus_kv,
    first_step_behind,
    transformer_names,
)
from protv2g.violations import CheckStatus

__all__ = ["RULE", "split_pairs", "transformer_rows"]

#: The ``rule`` of the rows of :func:`transformer_rows` (also the findings' sub-rule).
RULE = "unguarded_step_transformer"

#: ``ctx.cache`` key of :func:`split_pairs`' result (shared by both brackets).
CACHE_KEY = "beyond transformer"


def split_pairs(ctx: CheckContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``ctx.pairs`` split by the rule of the module docstring.

    Returns
    -------
    (kept, behind) : DataFrame
        ``kept``: the pair rows whose fault bus is in the primary's own zone (the rows of
        ``ctx.pairs``, index kept); ``behind``: the others, with ``element`` (int: the first
        unguarded step transformer between the primary and the fault bus) and
        ``transformer`` (its name). Cached in ``ctx.cache``.
    """
    if CACHE_KEY in ctx.cache:
        return ctx.cache[CACHE_KEY]
    pairs = ctx.pairs
    element = (first_step_behind(ctx.study.feeder, ctx.study.device_sites,
                                 pairs.primary.to_numpy(), pairs.fault_bus.to_numpy(),
                                 step_paths_of(ctx))
               if len(pairs) else np.zeros(0, dtype=np.int64))
    out = element >= 0
    behind = pairs[out].assign(element=element[out],
                               transformer=transformer_names(ctx.study.feeder, element[out]))
    result = (pairs[~out] if out.any() else pairs, behind)
    ctx.cache[CACHE_KEY] = result
    return result


def _nearest_pairs(ctx: CheckContext, behind: pd.DataFrame) -> pd.DataFrame:
    """Per transformer: its name, far-side fault buses (names), whether only low-voltage
    buses lie behind it (a service transformer), and the pair whose primary is the device
    nearest above it (the primary of no other pair of its rows; pairs are consecutive
    devices, :func:`protv2g.topology.primary_backup_pairs`), with the other pairs whose rows
    left."""
    rows = []
    kv = bus_kv(ctx.study.feeder, behind.fault_bus.to_numpy())
    behind = behind.assign(_kv=kv)
    for t, g in behind.groupby("element", sort=True):
        prims, backs = g.primary.astype(str), g.backup.astype(str)
        low = sorted(set(prims) - set(backs)) or sorted(set(prims))
        backup = sorted(set(backs[prims == low[0]]))[0]
        others = sorted({f"{p}/{b}" for p, b in zip(prims, backs, strict=True)}
                        - {f"{low[0]}/{backup}"})
        names = list(dict.fromkeys(ctx.bus_name(int(x)) for x in g.fault_bus.unique()))
        v = g._kv.to_numpy(dtype=float)
        rows.append({"element": int(t), "transformer": str(g.transformer.iat[0]),
                     "primary": low[0], "backup": backup, "buses": names,
                     "service": bool(len(v) and (v <= LOW_VOLTAGE_KV).all()),
                     "others": others})
    return pd.DataFrame(rows)


def transformer_rows(ctx: CheckContext, criteria: tuple[str, ...]) -> pd.DataFrame:
    """The rows that report the pair rows left out (module docstring), for the pairs whose
    criterion is in ``criteria``; one per base-case scenario of the fault table (the
    transformer is unfused without V2G too: attributed ``pre-existing``; ``""`` when the
    table names no base case):

    * a ``warn`` per medium-voltage step transformer, keyed as the rows of the pair it is
      under (the device nearest above it — its unmodelled fuse's backup — and that device's
      backup): ``other_device`` that nearest device, ``device`` its backup (as
      :func:`protv2g.checks.pairs.pair_violations`), ``fault_bus`` the transformer's name,
      margin NaN (nothing to measure: the primary is not modelled);
    * an ``info`` per pair for its service transformers (only low-voltage buses behind them):
      how many, as C5 leaves low voltage out (:data:`protv2g.topology_reach.LOW_VOLTAGE_KV`:
      a secondary is the transformer fuse's and the customer main breaker's).
    """
    if ctx.faults is None or ctx.pairs.empty:
        return empty()
    _, behind = split_pairs(ctx)
    have = set(ctx.devices)
    behind = behind[behind.primary.isin(have) & behind.backup.isin(have)]
    if len(behind):  # buses the fault table holds: only faults the study computed left out
        behind = behind[behind.fault_bus.isin(pd.unique(ctx.faults["fault_bus"]))]
    if behind.empty:
        return empty()

    t = _nearest_pairs(ctx, behind)
    crit = np.array([pair_criterion(spec(ctx.kind(p)).role, spec(ctx.kind(b)).role)
                     for p, b in zip(t.primary, t.backup, strict=True)], dtype=object)
    keep = np.isin(crit, list(criteria))
    t = t[keep].assign(criterion=crit[keep])
    if t.empty:
        return empty()
    step = t[~t.service.to_numpy(bool)]
    service = t[t.service.to_numpy(bool)]
    crits, status, bus, dev, other, msgs = [], [], [], [], [], []
    for r in step.itertuples(index=False):
        crits.append(r.criterion)
        status.append(CheckStatus.WARN.value)
        bus.append(r.transformer)
        dev.append(r.backup)
        other.append(r.primary)
        msgs.append(_message(r))
    for (c, p, b), g in service.groupby(["criterion", "primary", "backup"], sort=True):
        crits.append(c)
        status.append(CheckStatus.INFO.value)
        bus.append("")
        dev.append(b)
        other.append(p)
        msgs.append(_service_message(c, p, b, g))
    bases = _base_scenarios(ctx)
    n = len(crits)
    rep = np.tile(np.arange(n), len(bases))

    def each(x: list) -> np.ndarray:
        return np.array(x, dtype=object)[rep]

    return violation_rows(
        each(crits), each(status), frame=pd.DataFrame(index=np.arange(len(rep))),
        scenario=np.repeat(np.array(bases, dtype=object), n), fault_bus=each(bus),
        device=each(dev), other_device=each(other), rule=RULE,
        rule_source="IEEE Std C37.230-2020 §6.2 (a feeder device's zone ends at its line "
                    "section); IEEE Std C37.48 / C57.109 (a transformer's own primary fuse)",
        message=each(msgs))


def _base_scenarios(ctx: CheckContext) -> list[str]:
    """The fault table's base-case scenarios (``[""]`` when it names none)."""
    have = {str(s) for s in pd.unique(ctx.faults["scenario"])}
    bases = sorted({str(ctx.base_of.get(s, "")) for s in have} - {""})
    bases = [b for b in bases if b in have]
    return bases or [""]


def _shown(names: list[str], k: int = 3) -> str:
    return ", ".join(names[:k]) + (", …" if len(names) > k else "")


def _message(r: object) -> str:
    """The text of one step transformer's row."""
    name = str(r.transformer)  # type: ignore[attr-defined]
    loc = name.split(".", 1)[1] if name.lower().startswith("transformer.") else name
    buses, others = r.buses, r.others  # type: ignore[attr-defined]
    p, b, c = r.primary, r.backup, r.criterion  # type: ignore[attr-defined]
    return (f"no device at transformer {name} ({len(buses)} bus(es) behind it: "
            f"{_shown(buses)}): its primary fuse is not modelled, so for faults behind it "
            f"{p} and {b} are both backups and those faults are left out of {c} {b} / {p}'s "
            "margins" + (f" (and of {', '.join(others)})" if others else "")
            + f"; model it (devices: a fuse with location {{trafo: {loc}, side: hv}}) to "
            f"check coordination there (its fuse against {p})")


def _service_message(c: str, p: str, b: str, g: pd.DataFrame) -> str:
    """The text of a pair's row for its service transformers."""
    names = [str(x) for x in g.transformer]
    n_bus = sum(len(x) for x in g.buses)
    return (f"{len(names)} service transformer(s) with no device behind {p} "
            f"({_shown(names)}; {n_bus} low-voltage bus(es)): faults on their secondaries "
            f"are their own fuses' and the customers' main breakers', and are left out of "
            f"{c} {b} / {p}'s margins, as low voltage is left out of C5's reach; model a "
            "transformer's fuse (devices: a fuse on the transformer) to check it against "
            f"{p}")
