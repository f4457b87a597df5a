"""The project's equipment in the checks: which study devices sit on a site's own
transformer (:func:`site_equipment`) and the attribution labels of the rows it causes
(:data:`EQUIPMENT`, :data:`EQUIPMENT_WORSE`, :data:`PROJECT`) — what
:mod:`protv2g.checks.equipment` (C7), :mod:`protv2g.checks.idle_pairs` (C1–C4) and
:mod:`protv2g.checks.equipment_rows` (C5) decide on; the reasons are
:mod:`protv2g.checks.equipment`'s.
"""

from __future__ import annotations

from typing import Any

from protv2g.study.site_equipment import site_transformer_devices

__all__ = ["EQUIPMENT", "EQUIPMENT_ROW_COLUMN", "EQUIPMENT_SAVING", "EQUIPMENT_WORSE", "PROJECT",
           "PROJECT_ROWS", "site_equipment"]

#: Row ``attribution`` of a row new with the project's equipment that fails with every
#: charger idle (:mod:`protv2g.checks.equipment`).
EQUIPMENT = "equipment"
#: Row ``attribution`` of a row that fails **without** the project too and that its equipment,
#: with every charger idle, makes worse by more than the row's tolerance (C5's reach,
#: :func:`protv2g.checks.equipment_rows.reach_idle`; review rev42b M1, IEEE 13 + a YNd site
#: transformer: the head's reach −1.401 × pickup without the project, −1.422 with the
#: transformer in and no charger online, read "caused by the project's equipment"). The
#: finding's attribution :attr:`protv2g.findings_attribution.Attribution.EQUIPMENT_WORSE`
#: ("pre-existing, made worse by the project's equipment"); kept by the attribution, as
#: :data:`EQUIPMENT` is, and a gate fail as ``worse`` is.
EQUIPMENT_WORSE = "equipment-worse"
#: Row ``attribution`` of a row the project moves as a whole — its equipment and its chargers
#: together cross the check's threshold, neither share does by itself (C7's fault-level change,
#: :func:`protv2g.checks.duty_rows.project_change`; review s38 on IEEE 34 F-818: +16 % against
#: no project = +6 % equipment + 9 % chargers read "caused by V2G"). The finding's attribution
#: :attr:`protv2g.findings_attribution.Attribution.PROJECT`; kept by the attribution, as
#: :data:`EQUIPMENT` is.
PROJECT = "project"
#: How a C2 fuse-saving row of :data:`EQUIPMENT` opens and how its finding's title says it: it
#: fails with every charger idle, so "fuse saving lost (with V2G)" would blame the export
#: (review txt38 on F30; rev38a M3 for the title, :data:`protv2g.findings_table.SAVING_TITLES`).
EQUIPMENT_SAVING = "fuse saving fails with the project's equipment in, every charger idle"
#: Column a failing coordination row carries into its message function: whether it is a row
#: of :data:`EQUIPMENT` (:func:`protv2g.checks.pair_rows.pair_violations`), so the message
#: follows the row's attribution.
EQUIPMENT_ROW_COLUMN = "equipment_row"
#: The row attributions of the project's doing beyond its chargers' export: its equipment's
#: (new, or a pre-existing failure made worse) and the project's as a whole.
PROJECT_ROWS = (EQUIPMENT, EQUIPMENT_WORSE, PROJECT)


def site_equipment(study: Any) -> dict[str, str]:
    """Study device → the site's own transformer it sits on (its name as the study gives it:
    an OpenDSS ``model_transformer`` ``"depot_xf"``, a pandapower ``interconnection_transformer``
    ``"depot-XFMR"``), for the devices on one; empty without such a device
    (:func:`protv2g.study.site_equipment.site_transformer_devices`, either path)."""
    return {d: name for d, (_, name) in site_transformer_devices(study).items()}
