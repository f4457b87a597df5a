"""Schema of a study file (YAML), as pydantic models.

Every key carries its unit in its name (``pickup_a``, ``p_charger_kw``, ``t_s``).
Defaults follow ``domain.md`` and are documented in ``docs/study-file.md``;
the report states which value was used.
"""

from __future__ import annotations

import math
import warnings
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from protv2g.criteria import CRITERIA as CRITERION_IDS
from protv2g.units import (
    AngleRule,
    Case,
    ChargerControl,
    ChargerLaw,
    ChargerMode,
    DeviceKind,
    FaultType,
    LoadLevel,
    Method,
    Participation,
    RideThroughCategory,
    Severity,
)

PositiveFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Fraction = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


def _non_empty(value: tuple[Any, ...], key: str, allowed: str, default: str,
               why: str = "the study would have nothing to run for it") -> tuple[Any, ...]:
    """``value`` unless it is an empty list (#20: an empty axis leaves nothing to run, so the
    study would end without the scenarios, faults or checks it was written for)."""
    if len(value) == 0:
        raise ValueError(f"{key} is an empty list: {why} | fix: list at least one of "
                         f"{allowed}, or remove {key} for the default ({default})")
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


# --- feeder -----------------------------------------------------------------------------------


class FeederSource(_Model):
    """Where the network comes from: exactly one of the three keys.

    For an OpenDSS master: ``redirects`` (further scripts run after it, e.g. the IEEE 8500's
    ``Fuses.DSS``, paths relative to the study), ``adopt_devices`` (the model's fuses,
    reclosers and relays that the study does not define itself become study devices; ``protv2g
    init`` writes them all and sets it false) and ``opendss_via`` (``phase``: the phase-domain
    path on OpenDSS's own network, the default; ``pandapower``: the older import into a
    balanced pandapower net).
    """

    pandapower_json: str | None = None
    builtin: str | None = None
    opendss: str | None = None
    redirects: tuple[str, ...] = ()
    adopt_devices: bool = True
    opendss_via: Literal["phase", "pandapower"] = "phase"

    @model_validator(mode="after")
    def _exactly_one(self) -> FeederSource:
        given = [k for k in ("pandapower_json", "builtin", "opendss") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of 'pandapower_json', 'builtin' or 'opendss' "
                f"(got {', '.join(given) or 'none'}) | fix: keep one feeder source")
        if not self.opendss and (self.redirects or self.opendss_via != "phase"):
            raise ValueError("'redirects' and 'opendss_via' belong to an 'opendss' feeder | "
                             "fix: remove them")
        return self


# --- devices ----------------------------------------------------------------------------------


class Location(_Model):
    """Where a device sits: a line end, a transformer side, or a switch (all by name)."""

    line: str | None = None
    end: Literal["from", "to"] | None = None
    trafo: str | None = None
    side: Literal["hv", "lv"] | None = None
    switch: str | None = None

    @model_validator(mode="after")
    def _one_element(self) -> Location:
        given = [k for k in ("line", "trafo", "switch") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of 'line' (with 'end'), 'trafo' (with 'side') or 'switch' "
                "| fix: e.g. location: {line: F1-L01, end: from}")
        if self.line is not None and self.end is None:
            raise ValueError("a device on a line needs 'end: from' or 'end: to' | fix: add "
                             "end: from (device at the line's from-bus) or end: to")
        if self.trafo is not None and self.side is None:
            raise ValueError("a device on a transformer needs 'side: hv' or 'side: lv' | fix: "
                             "add side: hv or side: lv")
        return self


class _DeviceBase(_Model):
    name: str = Field(min_length=1)
    location: Location
    interrupting_rating_ka: PositiveFloat | None = None
    # #17 duty (C7): the basis of the interrupting rating — rated symmetrical current valid up
    # to the rating's test X/R (``rating_x_r``, default 17: IEEE C37.04/C37.06 45 ms DC time
    # constant at 60 Hz), or an asymmetrical (total first-cycle rms) current
    interrupting_rating_basis: Literal["sym", "asym"] = "sym"
    rating_x_r: PositiveFloat | None = None


class DirectionalElements(_Model):
    """A relay's directional elements (``directional`` as a mapping; docs/directional-elements.md).

    Every key is optional; absent ones take the documented defaults (computed per relay where
    they depend on the feeder: Z1ANG, Z2F/Z2R, Z0ANG, Z0F/Z0R, 50QF/50QR, 50GF/50GR).
    """

    trip_direction: Literal["forward", "none"] = "forward"
    phase_elements: tuple[Literal["67P", "32Q"], ...] = ("67P",)
    ground_elements: tuple[Literal["67N", "32Q"], ...] = ("67N",)
    phase_min_polarising_pu: NonNegFloat = 0.05
    memory: bool = True
    half_width_degree: Annotated[float, Field(gt=0, le=90)] = 90.0
    z1_angle_degree: Annotated[float, Field(ge=0, le=90)] | None = None
    z2_forward_ohm: Annotated[float, Field(allow_inf_nan=False)] | None = None
    z2_reverse_ohm: Annotated[float, Field(allow_inf_nan=False)] | None = None
    q_forward_pickup_a: PositiveFloat | None = None
    q_reverse_pickup_a: PositiveFloat | None = None
    a2: Annotated[float, Field(ge=0.02, le=0.5)] = 0.1
    ground_method: Literal["torque", "impedance"] = "torque"
    ground_characteristic_angle_degree: Annotated[float, Field(ge=-180, le=180)] = -60.0
    ground_min_polarising_pu: NonNegFloat = 0.02
    z0_angle_degree: Annotated[float, Field(ge=0, le=90)] | None = None
    z0_forward_ohm: Annotated[float, Field(allow_inf_nan=False)] | None = None
    z0_reverse_ohm: Annotated[float, Field(allow_inf_nan=False)] | None = None
    g_forward_pickup_a: PositiveFloat | None = None
    g_reverse_pickup_a: PositiveFloat | None = None
    a0: Annotated[float, Field(ge=0.02, le=0.5)] = 0.1
    unmodelled_clearing_time_s: PositiveFloat = 0.5
    reverse_power_pickup_mw: PositiveFloat | None = None
    reverse_power_delay_s: NonNegFloat = 2.0

    @model_validator(mode="after")
    def _thresholds(self) -> DirectionalElements:
        for f, r in (("z2_forward_ohm", "z2_reverse_ohm"), ("z0_forward_ohm", "z0_reverse_ohm")):
            fv, rv = getattr(self, f), getattr(self, r)
            if (fv is None) != (rv is None):
                raise ValueError(f"give {f} and {r} together | fix: add the other one, or "
                                 "remove both for the defaults (Z1MAG/2 and Z1MAG·0.6)")
            if fv is not None and not rv > fv:
                raise ValueError(f"{r} ({rv}) must be larger than {f} ({fv}) | fix: set the "
                                 "reverse threshold above the forward one")
        for name in ("phase_elements", "ground_elements"):
            values = getattr(self, name)
            if len(set(values)) != len(values):
                raise ValueError(f"{name} lists an element twice | fix: list each once")
        return self


#: Tags of the two forms of a relay's ``directional`` key (not keys of the file: validation
#: messages leave them out of the field path).
DIRECTIONAL_TAGS = ("shorthand", "mapping")


def _directional_form(value: Any) -> str:
    return DIRECTIONAL_TAGS[0] if isinstance(value, str) else DIRECTIONAL_TAGS[1]


#: ``none`` / ``forward``, or a mapping of directional elements.
DirectionalKey = Annotated[
    Annotated[Literal["none", "forward"], Tag(DIRECTIONAL_TAGS[0])]
    | Annotated[DirectionalElements, Tag(DIRECTIONAL_TAGS[1])],
    Discriminator(_directional_form)]


class RelayDevice(_DeviceBase):
    """Feeder-head or line relay with 50P/51P, 50G/51G (primary amperes).

    The 51 elements are inverse-time (``curve`` with ``time_dial``) or, with
    ``definite_time_s``, definite-time at ``pickup_a``/``ground_pickup_a`` (OpenDSS ``Delay``,
    used instead of the curves; ``curve`` and ``time_dial`` may then be left out).
    """

    kind: Literal[DeviceKind.RELAY]
    pickup_a: PositiveFloat
    curve: str | None = None
    time_dial: PositiveFloat | None = None
    definite_time_s: PositiveFloat | None = None
    inst_pickup_a: PositiveFloat | None = None
    inst_delay_s: NonNegFloat = 0.0
    ground_pickup_a: PositiveFloat | None = None
    ground_curve: str | None = None
    ground_time_dial: PositiveFloat | None = None
    ground_inst_pickup_a: PositiveFloat | None = None
    ground_inst_delay_s: NonNegFloat = 0.0
    time_adder_s: NonNegFloat = 0.0
    time_multiplier: PositiveFloat = 1.0
    min_response_s: NonNegFloat = 0.0
    reset: Literal["instantaneous", "electromechanical"] = "instantaneous"
    reclose_intervals_s: tuple[PositiveFloat, ...] = ()
    directional: DirectionalKey = "none"
    characteristic_angle_degree: float = Field(default=45.0, ge=-180, le=180)

    @model_validator(mode="after")
    def _ground_complete(self) -> RelayDevice:
        if self.definite_time_s is None:
            if self.curve is None:
                raise ValueError("a relay needs a time-overcurrent (51) element | fix: add "
                                 "curve and time_dial (inverse time) or definite_time_s "
                                 "(definite time)")
            if self.time_dial is None:
                raise ValueError(f"curve {self.curve!r} needs a time_dial | fix: add "
                                 "time_dial (time dial or TMS of the curve)")
        if self.ground_pickup_a is not None and self.definite_time_s is None and (
            self.ground_curve is None or self.ground_time_dial is None
        ):
            raise ValueError("ground_pickup_a needs ground_curve and ground_time_dial too | "
                             "fix: add both, or remove ground_pickup_a")
        return self


class RecloserDevice(_DeviceBase):
    """Line recloser (primary amperes)."""

    kind: Literal[DeviceKind.RECLOSER]
    phase_min_trip_a: PositiveFloat
    ground_min_trip_a: PositiveFloat | None = None
    fast_curve: str
    delayed_curve: str
    ground_fast_curve: str | None = None
    ground_delayed_curve: str | None = None
    n_fast: Annotated[int, Field(ge=0, le=4)] = 2
    n_delayed: Annotated[int, Field(ge=0, le=4)] = 2
    reclose_intervals_s: tuple[PositiveFloat, ...] = (0.5, 2.0, 2.0)
    reset_time_s: PositiveFloat = 15.0
    fast_multiplier: PositiveFloat = 1.0
    fast_adder_s: NonNegFloat = 0.0
    delayed_multiplier: PositiveFloat = 1.0
    delayed_adder_s: NonNegFloat = 0.0
    min_response_s: NonNegFloat = 0.0
    ground_fast_multiplier: PositiveFloat | None = None
    ground_delayed_multiplier: PositiveFloat | None = None
    phase_inst_a: PositiveFloat | None = None
    ground_inst_a: PositiveFloat | None = None
    inst_delay_s: NonNegFloat = 0.0

    @model_validator(mode="after")
    def _shots(self) -> RecloserDevice:
        shots = self.n_fast + self.n_delayed
        if shots < 1:
            raise ValueError("n_fast + n_delayed must be at least 1 | fix: give at least one "
                             "shot")
        if len(self.reclose_intervals_s) != shots - 1:
            raise ValueError(
                f"reclose_intervals_s has {len(self.reclose_intervals_s)} values but "
                f"{shots} shots need {shots - 1} | fix: give {shots - 1} reclose intervals or "
                "change n_fast/n_delayed")
        if self.ground_inst_a is not None and self.ground_min_trip_a is None:
            raise ValueError("ground_inst_a needs the ground element (ground_min_trip_a) | "
                             "fix: add ground_min_trip_a, or remove ground_inst_a")
        return self


class FuseDevice(_DeviceBase):
    """Expulsion fuse link, e.g. ``65K`` or ``25T``, or a user point-table curve."""

    kind: Literal[DeviceKind.FUSE]
    link: str
    preload_factor: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = 1.0
    ambient_factor: Annotated[float, Field(gt=0, le=1.5, allow_inf_nan=False)] = 1.0
    time_adder_s: NonNegFloat = 0.0


Device = Annotated[RelayDevice | RecloserDevice | FuseDevice, Field(discriminator="kind")]


# --- V2G sites --------------------------------------------------------------------------------


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
    phase: Literal["a", "b", "c"] | None = None
    limit_pu: Annotated[float, Field(gt=0, le=5, allow_inf_nan=False)] = 1.5
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

    @field_validator("modes")
    @classmethod
    def _modes(cls, value: tuple[ChargerMode, ...]) -> tuple[ChargerMode, ...]:
        return _non_empty(value, "modes", "exporting, charging", "[exporting, charging]",
                          "the site would neither export nor charge")

    @model_validator(mode="after")
    def _limits(self) -> V2GSite:
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
        if self.s_charger_kva is not None and self.s_charger_kva < self.p_charger_kw * (1 - 1e-9):
            raise ValueError(
                f"s_charger_kva ({self.s_charger_kva:g}) is below p_charger_kw "
                f"({self.p_charger_kw:g}) | fix: give the inverter's kVA rating (>= its kW)")
        return self

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


#: default sustained current limit of a grid-following inverter (pu of rating): the middle of
#: the 1.0–1.2 pu range of ../shared/reference/der/inverter_fault_current_and_reclosing.csv
SUSTAINED_LIMIT_DEFAULT_PU = 1.1
#: high end of that range (pu of rating): the top of the 1.0–1.2 pu of grid-following
#: inverters in the same file; the high bracket's sustained limit unless a site gives its own
#: (``sustained_limit_high_pu``, e.g. 1.5, the top of the general IBR range 1.1–1.5 pu there)
SUSTAINED_LIMIT_HIGH_DEFAULT_PU = 1.2


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
    reclose_margin_s: NonNegFloat = 0.5
    island_load_ratio: Annotated[float, Field(gt=0)] = 1.0 / 3.0
    v_max_pu: Annotated[float, Field(gt=1.0, le=1.2)] = 1.05
    loading_max_percent: PositiveFloat = 100.0
    unbalance_max_percent: PositiveFloat = 3.0
    # Rule overrides (#17): None = the published table in relay_library/rules.yaml, looked
    # up per device by protv2g.devices.rules (value and source echoed in the Settings sheet).
    fuse_saving_k: Annotated[float, Field(ge=1.0, le=3.0, allow_inf_nan=False)] | None = None
    source_side_fuse_factor: Annotated[
        float, Field(ge=1.0, le=5.0, allow_inf_nan=False)] | None = None
    cti_relay_relay_s: PositiveFloat | None = None
    cti_relay_fuse_s: PositiveFloat | None = None
    cti_recloser_relay_s: PositiveFloat | None = None
    relay_technology: Literal["numerical", "electromechanical"] = "numerical"

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

    def export_levels_kw(self, site: V2GSite) -> tuple[float, ...]:
        """Export levels of ``site`` in kW (whole site), from either form of the axis."""
        if self.scenarios.export_levels_fraction is not None:
            return tuple(f * site.p_max_kw for f in self.scenarios.export_levels_fraction)
        if self.scenarios.export_levels_kw is not None:
            return self.scenarios.export_levels_kw
        return (0.0, site.p_max_kw)


def finite(value: float) -> bool:
    """True for a finite float (NaN and ±inf are not)."""
    return math.isfinite(value)
