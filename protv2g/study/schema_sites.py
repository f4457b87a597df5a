"""Study-file schema of the V2G sites: participation, day profile, interconnection
transformer, voltage trips and the site itself (split from :mod:`protv2g.study.schema`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from protv2g.study.schema_common import (
    Fraction,
    NonNegFloat,
    PositiveFloat,
    _Model,
    _non_empty,
)
from protv2g.units import (
    INVERTER_FIRST_CYCLE_PU,
    AngleRule,
    ChargerControl,
    ChargerLaw,
    ChargerMode,
    Participation,
    RideThroughCategory,
)


class ParticipationFractions(_Model):
    """Fraction of a site's chargers that are plugged in and dispatchable."""

    low: Fraction = 0.5
    expected: Fraction = 0.8
    firm: Fraction = 1.0

    @model_validator(mode="after")
    def _ordered(self) -> ParticipationFractions:
        if not self.low <= self.expected <= self.firm:
            raise ValueError("participation fractions must satisfy low <= expected <= firm | "
                             "fix: order the fractions")
        return self

    def fraction(self, case: Participation) -> float:
        return float(getattr(self, case.value))


class DayProfile(_Model):
    """Fleet behaviour over a 96-step (15 min) day."""

    arrival_h: Annotated[float, Field(ge=0, lt=24)] = 7.0
    departure_h: Annotated[float, Field(ge=0, lt=24)] = 16.0
    export_window_h: tuple[float, float] = (16.0, 20.0)
    soc_reserve_fraction: Fraction = 0.3
    battery_kwh: PositiveFloat = 100.0
    efficiency: Annotated[float, Field(gt=0, le=1)] = 0.92


class InterconnectionTransformer(_Model):
    """A site's interconnection (step-up) transformer: HV side on the site's MV bus, LV side
    on a new site bus where the chargers connect (``protv2g.network.site_transformer``)."""

    sn_kva: PositiveFloat
    vn_lv_kv: PositiveFloat = 0.48
    vk_percent: Annotated[float, Field(gt=0, le=30)] = 5.75
    x_r: PositiveFloat = 5.0
    connection: Literal["YNd", "Dyn", "YNyn", "Yd", "Dy", "Yy", "Dd", "Yyn", "YNy"] = "YNd"
    clock: Annotated[int, Field(ge=0, le=11)] | None = None
    vk0_percent: Annotated[float, Field(gt=0, le=30)] | None = None
    x0_r0: PositiveFloat | None = None
    neutral_r_ohm: NonNegFloat = 0.0
    neutral_x_ohm: NonNegFloat = 0.0
    mag0_percent: PositiveFloat = 100.0


class VoltageTrip(_Model):
    """Overrides of a site's IEEE 1547-2018 voltage trip settings: pickup (pu of nominal) and
    maximum clearing time (s) of each element; absent keys keep the category's defaults."""

    uv1_pu: Annotated[float, Field(gt=0, lt=1)] | None = None
    uv1_s: PositiveFloat | None = None
    uv2_pu: Annotated[float, Field(gt=0, lt=1)] | None = None
    uv2_s: PositiveFloat | None = None
    ov1_pu: Annotated[float, Field(gt=1, le=2)] | None = None
    ov1_s: PositiveFloat | None = None
    ov2_pu: Annotated[float, Field(gt=1, le=2)] | None = None
    ov2_s: PositiveFloat | None = None


class V2GSite(_Model):
    """A fleet of bidirectional chargers at one bus.

    Fault behaviour (``docs/charger-fault-model.md``): the connected chargers' kVA
    (participation × ``n_chargers`` × ``s_charger_kva``) sizes the source; ``limit_pu`` is the
    first-cycle limit, ``sustained_limit_pu`` the limit of the control law ``fault_law``
    afterwards; cessation and trip follow ``ride_through_category`` and ``voltage_trip``.
    """

    name: str = Field(min_length=1)
    bus: str
    n_chargers: Annotated[int, Field(ge=1)]
    p_charger_kw: PositiveFloat
    s_charger_kva: PositiveFloat | None = None
    phases: Literal[1, 3] = 3
    #: a single-phase site's connection: ``a``/``b``/``c`` line to neutral, or ``ab``/``bc``/
    #: ``ca`` one single-phase unit between those two conductors (a 240 V charger across the
    #: legs of a split-phase secondary, nodes 1 and 2: ``ab``; 208 V between two phases of a
    #: 208Y/120 V service; a 4.8 kV delta feeder's phases) — see :attr:`line_to_line`
    phase: Literal["a", "b", "c", "ab", "bc", "ca"] | None = None
    limit_pu: Annotated[float, Field(gt=0, le=5, allow_inf_nan=False)] = INVERTER_FIRST_CYCLE_PU
    sustained_limit_pu: Annotated[float, Field(gt=0, le=5, allow_inf_nan=False)] | None = None
    sustained_limit_high_pu: Annotated[float, Field(gt=0, le=5, allow_inf_nan=False)] | None = None
    fault_law: ChargerLaw | None = None
    k_factor: Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)] = 2.0
    k_deadband_pu: Annotated[float, Field(ge=0, le=0.5, allow_inf_nan=False)] = 0.0
    ride_through_category: RideThroughCategory = RideThroughCategory.II
    voltage_trip: VoltageTrip = VoltageTrip()
    cessation_below_pu: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)] | None = None
    angle_rule: AngleRule = AngleRule.UNITY_PF
    control: ChargerControl = ChargerControl.GRID_FOLLOWING
    modes: tuple[ChargerMode, ...] = (ChargerMode.EXPORTING, ChargerMode.CHARGING)
    participation: ParticipationFractions = ParticipationFractions()
    k2: Annotated[float, Field(ge=0, le=2)] = 0.0
    cease_to_energize_s: PositiveFloat = 2.0
    comm_loss_fallback: Literal["cease_export", "hold_last", "revert_to_charging"] = (
        "cease_export")
    day: DayProfile | None = None
    interconnection_transformer: InterconnectionTransformer | None = None
    #: an OpenDSS feeder's transformer that comes with the site (its step-up transformer
    #: modelled in the ``.dss``, the site on its LV bus): out of the base case
    #: (:mod:`protv2g.study.dss_site_transformers`)
    model_transformer: str | None = Field(default=None, min_length=1)

    @field_validator("modes")
    @classmethod
    def _modes(cls, value: tuple[ChargerMode, ...]) -> tuple[ChargerMode, ...]:
        return _non_empty(value, "modes", "exporting, charging", "[exporting, charging]",
                          "the site would neither export nor charge")

    @model_validator(mode="after")
    def _limits(self) -> V2GSite:
        if self.phase is not None and len(self.phase) == 2 and self.phases != 1:
            raise ValueError(
                f"phase {self.phase!r} is one single-phase unit between two conductors, but "
                f"phases is {self.phases} | fix: give 'phases: 1' with 'phase: {self.phase}' "
                "(or drop 'phase' for a three-phase site)")
        if self.phase is not None and self.phases != 1:
            # an error, not an "ignored" warning (review rev48b P7): a phase names a
            # single-phase site; with phases left at its default 3 the site's kW would be
            # spread over a, b and c where the engineer placed it on one conductor
            raise ValueError(
                f"phase {self.phase!r} names the conductor of a single-phase site, but "
                f"phases is {self.phases} (three-phase: the site would connect to a, b and c "
                f"and 'phase' would be ignored) | fix: give 'phases: 1' with 'phase: "
                f"{self.phase}' for a single-phase site, or drop 'phase' for a three-phase one")
        if self.sustained_limit_pu is not None and self.sustained_limit_pu > self.limit_pu:
            raise ValueError(
                f"sustained_limit_pu ({self.sustained_limit_pu:g}) exceeds the first-cycle "
                f"limit limit_pu ({self.limit_pu:g}) | fix: give sustained_limit_pu <= limit_pu "
                "(typical 1.0-1.2 sustained, 1.5-2.0 first cycle)")
        high = self.sustained_limit_high_pu
        if high is not None and not self.sustained_limit - 1e-12 <= high <= self.limit_pu + 1e-12:
            raise ValueError(
                f"sustained_limit_high_pu ({high:g}) lies outside [sustained limit "
                f"{self.sustained_limit:g}, first-cycle limit limit_pu {self.limit_pu:g}] | fix: "
                "give the high end of the sustained limit between the two (published range "
                "of grid-following inverters 1.0-1.2 pu)")
        self._kw_kva_pair()
        return self

    def _kw_kva_pair(self) -> None:
        """Refuse a kW/kVA pair no inverter has (``s_charger_kva`` below ``p_charger_kw``, or
        :data:`KVA_PER_KW_MAX` times above it), naming the W/kW or VA/kVA slip first where the
        larger field lies above :data:`CHARGER_SLIP_KW` (review rev48b P1: 150,000 "kW" beside
        150 kVA got "give the inverter's kVA rating (>= its kW)", i.e. 150,000 kVA)."""
        p_kw, s_kva = self.p_charger_kw, self.s_charger_kva
        if s_kva is None:
            return
        if s_kva < p_kw * (1 - 1e-9):
            if p_kw > CHARGER_SLIP_KW:
                raise ValueError(
                    f"p_charger_kw {p_kw:,.0f} kW per charger is above the largest charger "
                    f"connector (MCS, {CHARGER_SLIP_KW:,.0f} kW) and above s_charger_kva "
                    f"({s_kva:g}): likely watts given as kW | fix: p_charger_kw: {p_kw / 1000:g} "
                    "(W / 1000)")
            raise ValueError(
                f"s_charger_kva ({s_kva:g}) is below p_charger_kw "
                f"({p_kw:g}) | fix: give the inverter's kVA rating (>= its kW)")
        if s_kva > CHARGER_SLIP_KW and s_kva > KVA_PER_KW_MAX * p_kw:
            raise ValueError(
                f"s_charger_kva {s_kva:,.0f} kVA per charger is above the largest charger "
                f"connector (MCS, {CHARGER_SLIP_KW:,.0f} kW) and {s_kva / p_kw:,.0f} times "
                f"p_charger_kw ({p_kw:g}): likely volt-amperes given as kVA | fix: s_charger_kva: "
                f"{s_kva / 1000:g} (VA / 1000; the inverter's kVA rating, >= its kW)")

    @property
    def line_to_line(self) -> bool:
        """Whether the site is one single-phase unit between two phase conductors (``phase``
        ``ab``, ``bc`` or ``ca``), rated on the voltage between them."""
        return self.phases == 1 and self.phase is not None and len(self.phase) == 2

    @property
    def conductors(self) -> str:
        """The conductors the site connects to: ``"abc"`` (three-phase), its ``phase``
        (``"b"``; ``"ab"`` for a line-to-line unit, in the given order), ``"a"`` for a
        single-phase site without one (the OpenDSS path refuses it: ``flow_sites``)."""
        return "abc" if self.phases == 3 else str(self.phase or "a")

    @property
    def p_max_kw(self) -> float:
        """Nameplate export of the whole site (kW)."""
        return self.n_chargers * self.p_charger_kw

    @property
    def charger_kva(self) -> float:
        """kVA rating of one charger (``s_charger_kva``, default ``p_charger_kw``)."""
        return self.p_charger_kw if self.s_charger_kva is None else self.s_charger_kva

    @property
    def sustained_limit(self) -> float:
        """Sustained current limit (pu of rating): ``sustained_limit_pu`` or
        ``min(1.1, limit_pu)``."""
        if self.sustained_limit_pu is not None:
            return self.sustained_limit_pu
        return min(SUSTAINED_LIMIT_DEFAULT_PU, self.limit_pu)

    @property
    def sustained_limit_high(self) -> float:
        """High end of the sustained current limit (pu of rating), the high bracket's
        (``docs/charger-fault-model.md`` §3): ``sustained_limit_high_pu``, or the top of the
        published range, :data:`SUSTAINED_LIMIT_HIGH_DEFAULT_PU`, never below
        :attr:`sustained_limit` nor above ``limit_pu``."""
        if self.sustained_limit_high_pu is not None:
            return self.sustained_limit_high_pu
        return min(self.limit_pu, max(self.sustained_limit, SUSTAINED_LIMIT_HIGH_DEFAULT_PU))

    @property
    def sustained_limit_high_is_default(self) -> bool:
        """Whether :attr:`sustained_limit_high` is the tool's own value,
        :data:`SUSTAINED_LIMIT_HIGH_DEFAULT_PU`: not given, neither capped by ``limit_pu``
        nor raised to :attr:`sustained_limit` (C10's UV2 window rests on it, c10c42)."""
        high = self.sustained_limit_high
        return ("sustained_limit_high_pu" not in self.model_fields_set
                and self.sustained_limit + 1e-9 < high < self.limit_pu - 1e-9)

    @property
    def law(self) -> ChargerLaw:
        """Control law: ``fault_law``, or by ``angle_rule`` (``reactive`` → reactive-current
        priority, ``unity_pf`` → active-power priority)."""
        if self.fault_law is not None:
            return self.fault_law
        return (ChargerLaw.REACTIVE_PRIORITY if self.angle_rule is AngleRule.REACTIVE
                else ChargerLaw.ACTIVE_PRIORITY)

    @property
    def can_export(self) -> bool:
        """Whether ``modes`` lets the site export (otherwise it is never a fault source)."""
        return ChargerMode.EXPORTING in self.modes


#: Largest charger (kW or kVA) above which a field that disagrees with its pair is named a
#: W/VA slip: the Megawatt Charging System connector, 1,250 V × 3,000 A = 3.75 MW (CharIN MCS /
#: SAE J3271-2025), the bound :data:`protv2g.study.plausibility.CHARGER_MAX_KW` warns above.
CHARGER_SLIP_KW = 3750.0
#: Largest kVA rating per kW of a charger inverter taken as a rating rather than a slip: a
#: kVA ten times the kW would be an inverter at power factor 0.1 at full power; charger
#: inverters are rated at their kW or with a little reactive headroom (kVA/kW 1.0–1.2).
KVA_PER_KW_MAX = 10.0

#: default sustained current limit of a grid-following inverter (pu of rating): the middle of
#: the 1.0–1.2 pu range of ../shared/reference/der/inverter_fault_current_and_reclosing.csv
SUSTAINED_LIMIT_DEFAULT_PU = 1.1
#: high end of that range (pu of rating): the top of the 1.0–1.2 pu of grid-following
#: inverters in the same file; the high bracket's sustained limit unless a site gives its own
#: (``sustained_limit_high_pu``, e.g. 1.5, the top of the general IBR range 1.1–1.5 pu there)
SUSTAINED_LIMIT_HIGH_DEFAULT_PU = 1.2
