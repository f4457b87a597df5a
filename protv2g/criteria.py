"""The criterion catalogue: every protection check C1–C12 in one table.

One :class:`Criterion` per check: its id, title, the family module and function that
evaluate it, the unit of its margin, and what it needs from earlier stages. This is the one
place that lists the criteria: the study file's ``gate.criteria`` is validated against it,
:func:`protv2g.checks.run_checks` dispatches from it, the report and the gate sort by it.
A leaf module (standard library only), so the study-file schema can read it without
importing the checks.

Adding a criterion (``docs/adding-a-criterion.md``): one row here, its family function in
``protv2g/checks/<family>.py``, and its tests.

Rules and default thresholds: ``domain.md`` §4; each family module gives its references.

Examples
--------
>>> CATALOGUE["C2"].margin_unit
's'
>>> sorted(["C10", "C2"], key=order)
['C2', 'C10']
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["CATALOGUE", "CRITERIA", "FEEDER_FLOW_CRITERION", "Criterion", "MarginUnit", "Need",
           "order", "pair_criterion"]


class MarginUnit(StrEnum):
    """Unit of a violation row's ``margin`` (negative = violated) and ``limit``."""

    SECOND = "s"
    PICKUP_MULTIPLE = "× pickup"
    #: Multiples of an IEC 60269 gG band link's 5-s melting current, the IEC 60269-1 gate
    #: Imax(5 s): C5's reach quantity of such a link, factor 1
    #: (:mod:`protv2g.checks.fuse_gg_limits`; review s38: its rows said "× pickup").
    IMAX_5S_MULTIPLE = "× Imax(5 s)"
    KILOAMPERE = "kA"
    AMPERE = "A"
    PER_UNIT = "pu"
    MEGAWATT = "MW"
    PERCENT = "%"
    #: Points of the voltage unbalance factor u2 = |V2|/|V1| × 100 (C12's unbalance rows, kept
    #: apart from its loading rows in %, review rev31 §2).
    UNBALANCE_PERCENT = "% VUF"
    #: A fraction of a reference quantity (0.1 = 10 %), e.g. of the base-case current.
    FRACTION = "fraction"


class Need(StrEnum):
    """Results of earlier stages a criterion reads; without them it is ``not_evaluated``."""

    #: The engine's device table: currents every device sees for every fault.
    FAULTS = "faults"
    #: Power-flow tables (device currents, bus voltages, branch loading).
    FLOW = "flow"


@dataclass(frozen=True)
class Criterion:
    """One protection check.

    Attributes
    ----------
    id : str
        ``C1`` … ``C12`` (domain.md §4); the study file's ``gate.criteria`` names these.
    title : str
        Short title for reports.
    family : str
        Module ``protv2g.checks.<family>`` holding the family function.
    function : str
        Name of the family function: ``function(ctx) -> DataFrame`` of violation rows
        (``protv2g.checks._common.CheckContext`` in, ``VIOLATION_COLUMNS`` rows out). Several
        criteria may share one function; it is called once.
    margin_unit : MarginUnit
        Unit of ``margin``/``limit`` of the criterion's main rule (a row may carry another
        unit for a secondary rule, e.g. C5's reach reduction as a fraction).
    needs : tuple of Need
        Inputs without which the criterion is reported ``not_evaluated``.
    rule : str
        The rule in one line (default thresholds in brackets).
    flow_function : str
        For a criterion that needs the fault table and also reads the power flow where it
        has one (C9's reverse power on load): the family function giving the flow-based
        rows; ``function`` then gives the others, and the criterion's rows are both. The
        fault-based rows are evaluated once per distinct fault block, the flow-based ones
        per scenario (:mod:`protv2g.checks.distinct_blocks`). Empty: ``function`` gives
        every row.
    reads_settings : bool
        Whether the criterion's rows depend on a protective device's settings (pickups,
        curves, reclose intervals, links). False for C11: it compares the DER and the
        minimum load of a device's zone, so a finding on a drafted relay rests on where the
        relay sits, not on its drafted settings (review rev36b X10, IEEE 37).
    """

    id: str
    title: str
    family: str
    function: str
    margin_unit: MarginUnit
    needs: tuple[Need, ...]
    rule: str
    flow_function: str = ""
    reads_settings: bool = True


_F, _FLOW = (Need.FAULTS,), (Need.FLOW,)

#: Every criterion, by id, in report order.
CATALOGUE: dict[str, Criterion] = {c.id: c for c in (
    Criterion("C1", "relay backup coordination", "coordination", "check_coordination",
              MarginUnit.SECOND, _F, "backup − primary ≥ CTI [0.3 s] at every fault both see"),
    Criterion("C2", "recloser–fuse (fuse saving)", "recloser_fuse", "check_recloser_fuse",
              MarginUnit.SECOND, _F, "K × fast < fuse MM inside the fuse-saving range (above "
              "the crossover: info) [K by table]; fuse TC < delayed curve"),
    Criterion("C3", "fuse–fuse", "coordination", "check_coordination", MarginUnit.SECOND, _F,
              "protecting TC ≤ 75 % of protected MM"),
    Criterion("C4", "relay or recloser over a recloser", "coordination", "check_coordination",
              MarginUnit.SECOND, _F,
              "relay > recloser's longest shot + CTI over the shot sequence"),
    Criterion("C5", "sensitivity / reach", "sensitivity", "check_sensitivity",
              MarginUnit.PICKUP_MULTIPLE, _F,
              "minimum fault current ≥ pickup × 1.5 (primary zone), × 1.2 (backup); V2G drop "
              "of device current ≤ 10 %"),
    Criterion("C6", "sympathetic tripping", "sympathetic", "check_sympathetic",
              MarginUnit.SECOND, _F,
              "a device fed back by V2G does not trip before the clearing device + 0.1 s"),
    Criterion("C7", "interrupting duty and V2G fault-level change", "duty", "check_duty",
              MarginUnit.KILOAMPERE, _F,
              "max fault current ≤ interrupting rating; V2G increase ≤ 10 %"),
    Criterion("C8", "load pickup margin", "load", "check_load", MarginUnit.AMPERE, _FLOW,
              "largest load current in either direction < pickup / 1.5, a fuse's minimum "
              "melt / 1.5 (charging, import or export peak)"),
    Criterion("C9", "directional behaviour", "directional", "directional_fault_rows",
              MarginUnit.PER_UNIT, _F,
              "67/67N declare the true direction; 32 / 67 on load do not pick up on export",
              flow_function="directional_flow_rows"),
    Criterion("C10", "reclosing vs anti-islanding", "reclosing", "check_reclosing",
              MarginUnit.SECOND, (), "first reclose interval > cease-to-energise + 0.5 s"),
    Criterion("C11", "islanding screen", "islanding", "check_islanding", MarginUnit.MEGAWATT,
              (), "DER behind a device ≤ 1/3 of the minimum load behind it",
              reads_settings=False),
    Criterion("C12", "voltage, loading and reverse flow", "flow", "check_flow", MarginUnit.PER_UNIT,
              _FLOW, "0.95 pu ≤ voltage ≤ 1.05 pu, loading ≤ 100 %, unbalance ≤ 3 %, no reverse "
              "power through forward-locked regulators"),
)}

#: Criterion ids in report order.
CRITERIA: tuple[str, ...] = tuple(CATALOGUE)

#: The feeder's own voltage, loading and reverse-flow criterion (the catalogue's last): its
#: rows present without V2G are the feeder's planning items (an overloaded transformer, a
#: high voltage), listed after the protection items where a report lists both (review s25
#: §5: ten pre-existing transformer overloads opened the Summary's conditions).
FEEDER_FLOW_CRITERION = "C12"

#: Utility practice for the slowest end-of-zone time-overcurrent clearing, s: ≈ 2 to ≈ 10 s
#: (recalled, not a standard: the sustained arc at a zone's end — burndown of small and
#: covered conductors, EPRI distribution handbook "Downed conductors from arc damage" — is
#: what no engineer signs; the reasoning is in :mod:`protv2g.study_draft.curve_choice`).
#: ``init`` marks a drafted clearing beyond the high end TODO; a C1/C3/C4 row whose devices
#: both take longer says the pair does not clear that fault in useful time.
ZONE_END_CLEARING_BRACKET_S = (2.0, 10.0)


#: Criterion id → its place in the catalogue.
_RANK: dict[str, int] = {c: i for i, c in enumerate(CATALOGUE)}


def order(criterion: str) -> tuple[int, str]:
    """Sort key: catalogue order (C2 before C10); unknown ids last, by name."""
    return (_RANK.get(criterion, len(_RANK)), str(criterion))


def pair_criterion(primary_kind: str, backup_kind: str) -> str:
    """Criterion that governs a pair of coordination roles (``relay``, ``recloser``, ``fuse``;
    :attr:`protv2g.devices.kinds.KindSpec.role`).

    >>> pair_criterion("fuse", "recloser"), pair_criterion("relay", "relay")
    ('C2', 'C1')
    """
    if backup_kind == "fuse":
        # a fuse on the source side of a recloser: recloser–fuse coordination (C2, #17)
        return "C2" if primary_kind == "recloser" else "C3"
    if backup_kind == "recloser":
        return "C2" if primary_kind == "fuse" else "C4"
    return "C4" if primary_kind == "recloser" else "C1"
