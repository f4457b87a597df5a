"""Constants and closed sets shared by every stage of protv2g.

Every closed set is a ``str`` Enum so that it round-trips through YAML, CSV and
Excel as its value (``FaultType("SLG")``) and an unknown value raises a clear
``ValueError`` listing the allowed values.

References
----------
IEC 60909-0:2016, Table 1 (voltage factor c).
"""

from __future__ import annotations

from enum import StrEnum

SQRT3 = 3.0**0.5
#: Operator ``a = 1∠120°`` of symmetrical components.
A_OP = complex(-0.5, SQRT3 / 2.0)


class _StrEnum(StrEnum):
    """String enum whose error message lists the allowed values."""

    @classmethod
    def _missing_(cls, value: object) -> None:
        allowed = ", ".join(repr(m.value) for m in cls)
        raise ValueError(f"{value!r} is not a valid {cls.__name__}; allowed: {allowed}")


class FaultType(_StrEnum):
    """Shunt fault types."""

    THREE_PHASE = "3ph"
    LINE_LINE = "LL"
    SINGLE_LINE_GROUND = "SLG"
    DOUBLE_LINE_GROUND = "LLG"


class Case(_StrEnum):
    """Short-circuit case: maximum (duty, coordination) or minimum (sensitivity)."""

    MAX = "max"
    MIN = "min"


class Method(_StrEnum):
    """Short-circuit calculation method.

    ``iec60909``: equivalent voltage source ``c·Un/√3`` at the fault (IEC 60909-0).
    ``classical``: pre-fault voltage 1.0 pu (or from a power flow), no c factor,
    minimum ground faults through a fault resistance (North American practice).
    """

    IEC60909 = "iec60909"
    CLASSICAL = "classical"


class ChargerMode(_StrEnum):
    """Operating mode of a V2G site in a scenario."""

    EXPORTING = "exporting"
    CHARGING = "charging"
    IDLE = "idle"
    CEASED = "ceased"


class AngleRule(_StrEnum):
    """Angle of a grid-following charger's fault current."""

    #: Current in phase with the terminal voltage (pre-fault unity power factor).
    UNITY_PF = "unity_pf"
    #: Reactive priority: current lags the terminal voltage by 90°.
    REACTIVE = "reactive"


class ChargerControl(_StrEnum):
    """Inverter control: grid-following current source or grid-forming voltage source."""

    GRID_FOLLOWING = "grid_following"
    GRID_FORMING = "grid_forming"


class ChargerLaw(_StrEnum):
    """Fault-current control law of a grid-following charger (``docs/charger-fault-model.md``).

    ``active_priority``: keeps its active power, ``|I| ≈ P/|V|`` in phase with the voltage, up to
    the current limit (IEEE 1547-2018-era inverters). ``reactive_priority``: reactive current
    proportional to the voltage dip (k-factor, IEEE 2800-2022 §7.2.2 convention), active current
    in what is left of the limit. ``constant_current``: the current limit at a fixed angle to the
    voltage (the planning model of pandapower ``sgen`` / IEC 60909-0 §6.2 with ``k``).
    """

    ACTIVE_PRIORITY = "active_priority"
    REACTIVE_PRIORITY = "reactive_priority"
    CONSTANT_CURRENT = "constant_current"


class RideThroughCategory(_StrEnum):
    """IEEE 1547-2018 abnormal operating performance category (Tables 11–16)."""

    I = "I"  # noqa: E741 - the standard's name
    II = "II"
    III = "III"


class Participation(_StrEnum):
    """Participation case of a fleet (fraction of chargers actually available)."""

    LOW = "low"
    EXPECTED = "expected"
    FIRM = "firm"


class LoadLevel(_StrEnum):
    """Feeder load level of a scenario."""

    LIGHT = "light"
    PEAK = "peak"


class DeviceKind(_StrEnum):
    """Kind of protective device."""

    RELAY = "relay"
    RECLOSER = "recloser"
    FUSE = "fuse"


class Severity(_StrEnum):
    """Severity of a violation row."""

    FAIL = "fail"
    WARN = "warn"
    INFO = "info"


class Direction(_StrEnum):
    """Direction declared by (or true for) a directional element."""

    FORWARD = "forward"
    REVERSE = "reverse"
    NONE = "none"


#: IEC 60909-0 Table 1 voltage factors (c_max, c_min) by nominal voltage band.
#: LV (≤ 1 kV): c_max 1.05 for systems with +6 % tolerance, 1.10 for +10 %;
#: c_min 0.95. MV/HV (> 1 kV): c_max 1.10, c_min 1.00.
C_MAX_MV = 1.10
C_MIN_MV = 1.00
C_MAX_LV_6PCT = 1.05
C_MAX_LV_10PCT = 1.10
C_MIN_LV = 0.95

#: First-cycle fault-current limit of an inverter-based source, pu of its kVA: the V2G
#: chargers' ``limit_pu`` default, the feeder's own inverters' (both engines,
#: :class:`protv2g.engine.der_model.InverterModel`) and the ``k`` the OpenDSS → pandapower
#: importer writes for a PVSystem/Storage (an OpenDSS script has none). 1.5 pu: the low end of
#: the conservative first-cycle planning value 1.5–2.0 pu (``../shared/domain.md`` §1;
#: ``../shared/reference/der/inverter_fault_current_and_reclosing.csv``). One value since
#: session 42: the importer wrote 1.2 pu and called it the element's own (review rev41b).
INVERTER_FIRST_CYCLE_PU = 1.5

#: ``standard`` of the library's IEC 60269 gG links (``relay_library/fuse_gg.yaml``).
IEC_GG_STANDARD = "IEC 60269 gG"
