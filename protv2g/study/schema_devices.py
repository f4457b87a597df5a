"""Study-file schema of the protective devices: relays (with directional elements),
reclosers and fuses (split from :mod:`protv2g.study.schema`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    Discriminator,
    Field,
    Tag,
    model_validator,
)

from protv2g.study.schema_common import Location, NonNegFloat, PositiveFloat, _Model
from protv2g.units import (
    DeviceKind,
)

#: A setting step of a device (``pickup_step_a``, ``time_dial_step`` …): read by ``protv2g
#: recommend`` only (:mod:`protv2g.recommend.steps`), so kept out of the entry's dump
#: (``exclude``): the device models the checks build from the dump (``build_device``) have no
#: such setting and would refuse an unknown field.
Step = Annotated[float, Field(gt=0, allow_inf_nan=False)] | None
#: Time-dial / multiplier steps: above 1 is no dial step (IEEE C37.112 dials 0.5–15 and
#: IEC 60255-151 TMS 0.05–1 are set in 0.01–0.5 steps, recalled from SEL-351 and GE
#: Multilin 750 instruction manuals).
DialStep = Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] | None


class _DeviceBase(_Model):
    name: str = Field(min_length=1)
    location: Location
    interrupting_rating_ka: PositiveFloat | None = None
    # #17 duty (C7): the basis of the interrupting rating — rated symmetrical current valid up
    # to the rating's test X/R (``rating_x_r``, default the 45 ms DC time constant's, IEEE
    # C37.04/C37.06, IEC 62271-100: 17 at 60 Hz, 14.1 at 50 Hz), or an asymmetrical (total
    # first-cycle rms) current
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
    # setting steps (recommend only): the pickups' primary step, or the CT ratio and the
    # relay's secondary step; the time dials' step (not device-model settings: the checks
    # build the models without them, protv2g.checks._common._NOT_MODEL_FIELDS)
    pickup_step_a: Step = None
    ct_ratio: Step = None
    pickup_step_secondary_a: Step = None
    time_dial_step: DialStep = None

    @model_validator(mode="after")
    def _steps(self) -> RelayDevice:
        if (self.ct_ratio is None) != (self.pickup_step_secondary_a is None):
            given, other = (("ct_ratio", "pickup_step_secondary_a") if self.ct_ratio is not None
                            else ("pickup_step_secondary_a", "ct_ratio"))
            raise ValueError(f"{given} needs {other} too (the pickups' primary step is "
                             "ct_ratio × pickup_step_secondary_a) | fix: add "
                             f"{other} (e.g. ct_ratio: 120 for a 600:5 CT, "
                             "pickup_step_secondary_a: 0.01), or remove " + given)
        if self.pickup_step_a is not None and self.ct_ratio is not None:
            raise ValueError("give pickup_step_a (primary A) or ct_ratio with "
                             "pickup_step_secondary_a, not both | fix: remove pickup_step_a, "
                             "or remove ct_ratio and pickup_step_secondary_a")
        return self

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
    # setting steps (recommend only): the minimum trips' step (A), the curve multipliers'
    # (not device-model settings: protv2g.checks._common._NOT_MODEL_FIELDS)
    pickup_step_a: Step = None
    multiplier_step: DialStep = None

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
    """Fuse link: an expulsion link, e.g. ``65K`` or ``25T``, an IEC 60269 gG link, e.g.
    ``100gG``, or a user point-table curve."""

    kind: Literal[DeviceKind.FUSE]
    link: str
    # review s15: a fuse's rating is its cutout's, and distribution cutouts (IEEE C37.42, tested
    # per C37.41) are rated in asymmetrical rms amperes at the test X/R — the basis
    # ``protv2g init`` drafts (study_draft/ratings.py); it was ``sym`` here, the breakers' and
    # reclosers' basis, so the two disagreed. A cutout stated symmetrical: give ``sym``.
    # An IEC 60269 link (e.g. 100gG) left without it gets ``sym`` at loading (its breaking
    # capacity is a prospective symmetrical current; protv2g.study.fuse_standard).
    interrupting_rating_basis: Literal["sym", "asym"] = "asym"
    preload_factor: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = 1.0
    ambient_factor: Annotated[float, Field(gt=0, le=1.5, allow_inf_nan=False)] = 1.0
    time_adder_s: NonNegFloat = 0.0


Device = Annotated[RelayDevice | RecloserDevice | FuseDevice, Field(discriminator="kind")]
