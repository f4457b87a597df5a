"""Schema of a study file (YAML), as pydantic models.

Every key carries its unit in its name (``pickup_a``, ``p_charger_kw``, ``t_s``).
Defaults follow ``domain.md`` and are documented in ``docs/study-file.md``;
the report states which value was used.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from protv2g.units import (
    AngleRule,
    Case,
    ChargerControl,
    ChargerMode,
    DeviceKind,
    FaultType,
    LoadLevel,
    Method,
    Participation,
    Severity,
)

PositiveFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Fraction = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


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
    """Feeder-head or line relay with 50P/51P, 50G/51G (primary amperes)."""

    kind: Literal[DeviceKind.RELAY]
    pickup_a: PositiveFloat
    curve: str
    time_dial: PositiveFloat
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
        if self.ground_pickup_a is not None and (
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
        return self


class FuseDevice(_DeviceBase):
    """Expulsion fuse link, e.g. ``65K`` or ``25T``, or a user point-table curve."""

    kind: Literal[DeviceKind.FUSE]
    link: str
    preload_factor: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = 1.0
    ambient_factor: Annotated[float, Field(gt=0, le=1.5, allow_inf_nan=False)] = 1.0


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


class V2GSite(_Model):
    """A fleet of bidirectional chargers at one bus."""

    name: str = Field(min_length=1)
    bus: str
    n_chargers: Annotated[int, Field(ge=1)]
    p_charger_kw: PositiveFloat
    phases: Literal[1, 3] = 3
    phase: Literal["a", "b", "c"] | None = None
    limit_pu: Annotated[float, Field(gt=0, le=5, allow_inf_nan=False)] = 1.2
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

    @property
    def p_max_kw(self) -> float:
        """Nameplate export of the whole site (kW)."""
        return self.n_chargers * self.p_charger_kw


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


class Checks(_Model):
    """Thresholds of the coordination criteria (domain.md §4); every value is a default."""

    cti_s: PositiveFloat = 0.3
    recloser_fuse_k: Annotated[float, Field(ge=1.0, le=3.0)] = 1.35
    fuse_fuse_ratio: Annotated[float, Field(gt=0, le=1)] = 0.75
    sensitivity_primary_factor: Annotated[float, Field(ge=1.0)] = 1.5
    sensitivity_backup_factor: Annotated[float, Field(ge=1.0)] = 1.2
    v2g_change_fraction: Annotated[float, Field(gt=0, le=1)] = 0.10
    duty_margin: Annotated[float, Field(gt=0, le=1)] = 1.0
    load_pickup_factor: Annotated[float, Field(ge=1.0)] = 1.5
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


CRITERIA = tuple(f"C{i}" for i in range(1, 13))


class PilotScreening(_Model):
    """Pre-pilot screening facts a utility checks before field work (true / false / absent)."""

    evening_peak_narrow_window: bool | None = None
    predictable_plug_in_times: bool | None = None
    telemetry_phase_power_status: bool | None = None
    settings_reviewable_without_rebuild: bool | None = None
    control_agreement_discharge_events: bool | None = None


class Gate(_Model):
    """Which criteria and severities fail the pre-pilot gate."""

    criteria: tuple[str, ...] = CRITERIA
    fail_severities: tuple[Severity, ...] = (Severity.FAIL,)
    unmet_screening_fails: bool = False

    @field_validator("criteria")
    @classmethod
    def _known(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [c for c in value if c not in CRITERIA]
        if unknown:
            raise ValueError(f"unknown criteria {unknown} | fix: use C1 … C12")
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
