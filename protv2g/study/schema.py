"""Schema of a study file (YAML), as pydantic models.

The devices, the V2G sites and the shared pieces live in ``schema_devices``, ``schema_sites``
and ``schema_common``; every model is importable from here.

Every key carries its unit in its name (``pickup_a``, ``p_charger_kw``, ``t_s``).
Defaults follow ``domain.md`` and are documented in ``docs/study-file.md``;
the report states which value was used.
"""

from __future__ import annotations

import warnings
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from protv2g.criteria import CRITERIA as CRITERION_IDS
from protv2g.study.schema_common import (
    FeederSource,
    Fraction,
    Location,
    NonNegFloat,
    PositiveFloat,
    _Model,
    _non_empty,
    finite,
)
from protv2g.study.schema_devices import (
    DIRECTIONAL_TAGS,
    Device,
    DirectionalElements,
    FuseDevice,
    RecloserDevice,
    RelayDevice,
)
from protv2g.study.schema_sites import (
    SUSTAINED_LIMIT_DEFAULT_PU,
    SUSTAINED_LIMIT_HIGH_DEFAULT_PU,
    DayProfile,
    InterconnectionTransformer,
    ParticipationFractions,
    V2GSite,
    VoltageTrip,
)
from protv2g.units import (
    Case,
    FaultType,
    LoadLevel,
    Method,
    Participation,
    Severity,
)

__all__ = [
    "CRITERIA", "DEPRECATED_CHECKS", "DIRECTIONAL_TAGS", "SUSTAINED_LIMIT_DEFAULT_PU",
    "SUSTAINED_LIMIT_HIGH_DEFAULT_PU", "Checks", "DayProfile", "Device", "DirectionalElements",
    "FeederSource", "Faults", "FindingId", "Fraction", "FuseDevice", "Gate",
    "InterconnectionTransformer",
    "Location", "NonNegFloat", "ParticipationFractions", "PilotScreening", "PositiveFloat",
    "RecloserDevice", "RelayDevice", "Scenarios", "StudyDocument", "V2GSite", "VoltageTrip",
    "finite",
]

# --- scenarios, checks, gate -------------------------------------------------------------------


class Scenarios(_Model):
    """Scenario axes. Export levels in kW for the whole site, or as fractions of its maximum."""

    export_levels_kw: tuple[NonNegFloat, ...] | None = None
    export_levels_fraction: tuple[Annotated[float, Field(ge=0, le=1)], ...] | None = None
    participation: tuple[Participation, ...] = (Participation.EXPECTED,)
    load_levels: tuple[LoadLevel, ...] = (LoadLevel.PEAK,)
    light_load_fraction: Fraction = 0.3
    day: bool = False
    comm_loss_step: Annotated[int, Field(ge=0, le=95)] | None = None

    @field_validator("export_levels_kw", "export_levels_fraction")
    @classmethod
    def _levels_given(cls, value: tuple[float, ...] | None, info: ValidationInfo
                      ) -> tuple[float, ...] | None:
        if value is None:
            return None
        example = "[0, 500]" if info.field_name == "export_levels_kw" else "[0, 0.5, 1.0]"
        return _non_empty(value, info.field_name, f"the export levels, e.g. {example}",
                          "0 and each site's maximum")

    @field_validator("participation", "load_levels")
    @classmethod
    def _axes(cls, value: tuple[Any, ...], info: ValidationInfo) -> tuple[Any, ...]:
        kind = Participation if info.field_name == "participation" else LoadLevel
        default = "[expected]" if info.field_name == "participation" else "[peak]"
        return _non_empty(value, info.field_name, ", ".join(e.value for e in kind), default)

    @model_validator(mode="after")
    def _levels(self) -> Scenarios:
        if self.export_levels_kw is not None and self.export_levels_fraction is not None:
            raise ValueError("give export_levels_kw or export_levels_fraction, not both | fix: "
                             "remove one of them")
        return self


class Faults(_Model):
    """Fault-calculation settings."""

    method: Method = Method.IEC60909
    fault_types: tuple[FaultType, ...] = tuple(FaultType)
    cases: tuple[Case, ...] = (Case.MAX, Case.MIN)
    r_fault_ohm: NonNegFloat = 0.0
    x_fault_ohm: NonNegFloat = 0.0
    #: Fault resistance of minimum-case ground faults on buses above 1 kV, Ω: an SLG's in its
    #: phase, an LLG's in **each** faulted phase (its phases not bonded to each other, the
    #: junction solid to ground: its minimum ≈ the SLG's; docs/opendss-phase-path.md, "The
    #: minimum-case LLG"); an LL's phases keep ``r_fault_ohm``.
    r_fault_min_ohm: NonNegFloat = 0.0
    #: The high bracket of the chargers' contribution in time (``docs/charger-fault-model.md``
    #: §3): ``sustained_limit`` (default) — first-cycle limit for one cycle, then each site's
    #: law at the high end of its sustained limit with its category's mandatory cessation and
    #: trips; ``first_cycle_held`` — the first-cycle limit held for the whole fault (a planning
    #: upper bound no inverter sustains; kept as a sensitivity).
    high_bracket: Literal["sustained_limit", "first_cycle_held"] = "sustained_limit"
    #: The classical method's pre-fault state (#20 item 6): ``open_circuit`` — the network's
    #: open-circuit voltages (sources at their EMF, taps and winding ratios, loads as
    #: admittances at rated voltage: OpenDSS's fault study); ``power_flow`` — the snapshot
    #: power flow's voltages. IEC 60909 has no pre-fault state (its equivalent source is
    #: ``c·Un/√3`` at the fault), so it takes open_circuit only.
    prefault: Literal["open_circuit", "power_flow"] = "open_circuit"

    @field_validator("fault_types", "cases")
    @classmethod
    def _given(cls, value: tuple[Any, ...], info: ValidationInfo) -> tuple[Any, ...]:
        kind = FaultType if info.field_name == "fault_types" else Case
        allowed = ", ".join(e.value for e in kind)
        return _non_empty(value, info.field_name, allowed, f"[{allowed}]")

    @model_validator(mode="after")
    def _prefault_of_method(self) -> Faults:
        if self.prefault != "open_circuit" and self.method is not Method.CLASSICAL:
            raise ValueError(
                f"prefault: {self.prefault} needs method: classical (method: "
                f"{self.method.value} takes no pre-fault state: its equivalent source is "
                "c·Un/√3 at the fault, IEC 60909-0) | fix: set method: classical, or "
                "remove prefault (default open_circuit)")
        return self


#: Deprecated ``checks`` keys (before #17) → the keys they now set when those are not given.
DEPRECATED_CHECKS = {
    "cti_s": ("cti_relay_relay_s", "cti_relay_fuse_s", "cti_recloser_relay_s"),
    "recloser_fuse_k": ("fuse_saving_k",),
}


class Checks(_Model):
    """Thresholds of the coordination criteria (domain.md §4); every value is a default.

    The coordination rules (#17) are looked up per device from the published tables of
    ``relay_library/rules.yaml`` (:mod:`protv2g.devices.rules`); the ``fuse_saving_k``,
    ``source_side_fuse_factor``, ``cti_*`` and ``fuse_fuse_ratio`` keys override them.
    ``cti_s`` and ``recloser_fuse_k`` are deprecated: still accepted, they set the
    coordination intervals / fuse-saving K they replaced (a ``FutureWarning`` says so, and the
    Rules sheet names the deprecated key as the source).
    """

    cti_s: PositiveFloat | None = None
    recloser_fuse_k: Annotated[float, Field(ge=1.0, le=3.0, allow_inf_nan=False)] | None = None
    fuse_fuse_ratio: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] | None = None
    sensitivity_primary_factor: Annotated[float, Field(ge=1.0)] = 1.5
    sensitivity_backup_factor: Annotated[float, Field(ge=1.0)] = 1.2
    v2g_change_fraction: Annotated[float, Field(gt=0, le=1)] = 0.10
    duty_margin: Annotated[float, Field(gt=0, le=1)] = 1.0
    load_pickup_factor: Annotated[float, Field(ge=1.0)] = 1.5
    #: margin of C9's wrong-trip rule (a directional relay tripping before the fault is
    #: cleared); C6 uses the coordination interval of the pair (cti_*) since #17
    sympathetic_margin_s: NonNegFloat = 0.1
    #: clearing time (s) of a fault at the substation bus or upstream, where no clearing
    #: device is modelled (C6's sympathetic trip of a feeder relay fed back by V2G there):
    #: None = the slow end of the bracket C6 states, SUBSTATION_CLEARING_BRACKET_S, and
    #: its rows are warnings; a value given here is the study's and its rows fail
    substation_clearing_s: PositiveFloat | None = None
    reclose_margin_s: NonNegFloat = 0.5
    island_load_ratio: Annotated[float, Field(gt=0)] = 1.0 / 3.0
    v_max_pu: Annotated[float, Field(gt=1.0, le=1.2)] = 1.05
    #: C12's minimum voltage: ANSI C84.1-2020 Table 1 Range A, 114 V on 120 V (Range B 0.917;
    #: EN 50160 0.90 on a 230 V feeder); protv2g.checks.flow_low
    v_min_pu: Annotated[float, Field(ge=0.8, lt=1.0)] = 0.95
    #: tolerance on v_max_pu (C12): a voltage above the limit by no more than it is at the
    #: limit, not over it — IEC 61000-4-30 Class A's ±0.1 % voltage uncertainty, 10× OpenDSS's
    #: convergence tolerance (bracket 0.0001–1/240 pu; protv2g.checks.flow_limit)
    voltage_limit_tolerance_pu: Annotated[float, Field(ge=0.0, le=0.01)] = 0.001
    loading_max_percent: PositiveFloat = 100.0
    unbalance_max_percent: PositiveFloat = 3.0
    #: materiality of a V2G change of a failing C12 voltage row (s16 A3): half the 2 V
    #: default bandwidth of a feeder regulator control on the 120 V base (Eaton Cooper Power
    #: CL-6/CL-7, settable 1–6 V: bracket 0.0042–0.025 pu); a smaller rise is inside the
    #: band a regulator leaves alone, so it is not "made worse by V2G"
    voltage_change_min_pu: Annotated[float, Field(ge=0.0, le=0.05)] = 1.0 / 120.0
    #: materiality of a V2G change of a failing C12 loading row (points of rating) and of a
    #: C8 load current (% of it): the ratio error of an IEEE C57.13 metering class 1.2 CT at
    #: rated current (bracket 0.3, class 0.3, to 2.4, class 1.2 at 10 % current); a smaller
    #: change cannot be told from the measurement the loading rests on
    loading_change_min_percent: Annotated[float, Field(ge=0.0, le=10.0)] = 1.2
    #: materiality of a V2G change of a C12 voltage-unbalance row (points of u2 = |V2|/|V1|):
    #: IEC 61000-4-30:2015 §5.7.4 Class A's uncertainty of u2, ±0.15 points (bracket 0.15 to
    #: 0.3, Class S's); a smaller change cannot be told from the measurement that would settle
    #: it (review rev31 §2: a 7.2 kW charger "made worse" a 3.02 % unbalance by 0.013 points)
    unbalance_change_min_percent: Annotated[float, Field(ge=0.0, le=1.0)] = 0.15
    # Rule overrides (#17): None = the published table in relay_library/rules.yaml, looked
    # up per device by protv2g.devices.rules (value and source echoed in the Settings sheet).
    fuse_saving_k: Annotated[float, Field(ge=1.0, le=3.0, allow_inf_nan=False)] | None = None
    source_side_fuse_factor: Annotated[
        float, Field(ge=1.0, le=5.0, allow_inf_nan=False)] | None = None
    cti_relay_relay_s: PositiveFloat | None = None
    cti_relay_fuse_s: PositiveFloat | None = None
    cti_recloser_relay_s: PositiveFloat | None = None
    relay_technology: Literal["numerical", "electromechanical"] = "numerical"
    #: the relay technology whose timing accuracy (relay_library/rules.yaml
    #: ``timing_accuracy``) the checks read as a time margin's tolerance — the materiality of
    #: a V2G change in attribution (protv2g.checks.attribution); None = numerical, whatever
    #: relay_technology says: a relay's scatter is common to the cases with and without V2G,
    #: so a wider one must not make V2G's change immaterial (review rev40b W2: declaring
    #: electromechanical relays raised EPRI ckt5's hosting 68 → 115 kW;
    #: protv2g.checks.tolerance.timing_technology). The hosting band's ends keep it too
    #: (protv2g.hosting.band): an end moves the intervals, never the materiality (ver37 §5e)
    timing_accuracy_technology: Literal["numerical", "electromechanical"] | None = None

    @model_validator(mode="after")
    def _deprecated(self) -> Checks:
        for old, new in DEPRECATED_CHECKS.items():
            if getattr(self, old) is None:
                continue
            warnings.warn(f"checks.{old} is deprecated (#17): it now sets "
                          f"{', '.join(f'checks.{n}' for n in new)} where those are not given; "
                          f"give those keys instead, or remove checks.{old} for the published "
                          "rule tables", FutureWarning, stacklevel=2)
        return self

    def rule_override(self, key: str) -> float | None:
        """The study file's value for a rule key (``fuse_saving_k``, ``cti_*`` …), from the
        deprecated key that maps to it when the key itself is not given; None = the table."""
        value = getattr(self, key)
        if value is not None:
            return value
        for old, new in DEPRECATED_CHECKS.items():
            if key in new and getattr(self, old) is not None:
                return getattr(self, old)
        return None

    def rule_override_source(self, key: str) -> str:
        """``checks.<key>``, or the deprecated key its override came from."""
        if getattr(self, key) is None:
            for old, new in DEPRECATED_CHECKS.items():
                if key in new and getattr(self, old) is not None:
                    return f"checks.{old} (deprecated)"
        return f"checks.{key}"


#: Criterion ids the gate can name (the catalogue of :mod:`protv2g.criteria`).
CRITERIA = CRITERION_IDS


class PilotScreening(_Model):
    """Pre-pilot screening facts a utility checks before field work (true / false / absent)."""

    evening_peak_narrow_window: bool | None = None
    predictable_plug_in_times: bool | None = None
    telemetry_phase_power_status: bool | None = None
    settings_reviewable_without_rebuild: bool | None = None
    control_agreement_discharge_events: bool | None = None


class Gate(_Model):
    """Which criteria and row statuses fail the pre-pilot gate (policy: ``protv2g.gate``).

    ``fail_severities`` names row statuses (``fail``, ``warn``, ``info``); the key keeps its
    first name so that existing study files stay valid.
    """

    criteria: tuple[str, ...] = CRITERIA
    fail_severities: tuple[Severity, ...] = (Severity.FAIL,)
    unmet_screening_fails: bool = False
    #: What a failing row already present without V2G (attribution ``pre-existing``) does
    #: (#17): ``condition`` — listed as a condition of the pilot ("fix before the pilot"), the
    #: verdict stays PASS when nothing else fails; ``fail`` — fails the gate like a V2G-caused
    #: row; ``info`` — listed only.
    pre_existing: Literal["condition", "fail", "info"] = "condition"

    @field_validator("fail_severities")
    @classmethod
    def _severities(cls, value: tuple[Severity, ...]) -> tuple[Severity, ...]:
        # an empty list would let nothing fail: the gate would pass every study
        return _non_empty(value, "fail_severities", "fail, warn, info", "[fail]",
                          "no row could fail the gate, which would pass every study")

    @field_validator("criteria")
    @classmethod
    def _known(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        # an empty list would judge nothing: the gate would pass every study
        _non_empty(value, "criteria", ", ".join(CRITERIA), "all of them",
                   "the gate would judge nothing and pass every study")
        unknown = [c for c in value if c not in CRITERIA]
        if unknown:
            raise ValueError(f"unknown criteria {unknown} | fix: use "
                             f"{', '.join(CRITERIA)}")
        return value


class FindingId(_Model):
    """A finding id a study made by ``protv2g recommend --apply`` keeps from the study it was
    made from, with the finding's key (:mod:`protv2g.finding_ids`, review rev43c F5)."""

    id: str = Field(pattern=r"^F[0-9]+$")
    criterion: str = Field(min_length=1)
    device: str = ""
    other_device: str = ""
    mechanism: str = ""
    margin_unit: str = ""


class StudyDocument(_Model):
    """The whole study file."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\- ]*$")
    description: str = ""
    feeder: FeederSource
    library: tuple[str, ...] = ()
    devices: tuple[Device, ...] = ()
    v2g_sites: tuple[V2GSite, ...] = ()
    scenarios: Scenarios = Scenarios()
    faults: Faults = Faults()
    checks: Checks = Checks()
    gate: Gate = Gate()
    pilot_screening: PilotScreening = PilotScreening()
    #: The feeder has no fuse and no recloser (not only the model): C1–C4 then have nothing
    #: to judge, and the gate does not take their "not applicable" for a check it could not
    #: make (review s21, EPRI J1: a drafted head relay only, laterals fused in reality).
    #: Without it, a study with devices but no fuse or recloser is "not evaluated" (ERROR).
    no_fuses_or_reclosers: bool = False
    #: The finding ids of the study this one was made from (written by ``recommend
    #: --apply``): a finding with a listed key keeps its id, any other takes the next free
    #: one (:mod:`protv2g.finding_ids`; rev43c F5: the ids renumbered after --apply).
    finding_ids: tuple[FindingId, ...] = ()

    @model_validator(mode="after")
    def _no_fuses_stated_right(self) -> StudyDocument:
        modelled = [d.name for d in self.devices if str(d.kind) in ("fuse", "recloser")]
        if self.no_fuses_or_reclosers and modelled:
            raise ValueError(
                "no_fuses_or_reclosers is true but the study has fuses or reclosers: "
                f"{', '.join(modelled[:5])}{' …' if len(modelled) > 5 else ''} | fix: remove "
                "no_fuses_or_reclosers (the devices are judged by C1–C4) or the devices")
        return self

    def export_levels_kw(self, site: V2GSite) -> tuple[float, ...]:
        """Export levels of ``site`` in kW (whole site), from either form of the axis."""
        if self.scenarios.export_levels_fraction is not None:
            return tuple(f * site.p_max_kw for f in self.scenarios.export_levels_fraction)
        if self.scenarios.export_levels_kw is not None:
            return self.scenarios.export_levels_kw
        return (0.0, site.p_max_kw)
