"""Study fuses that ``protv2g init`` drafts on the lines a model only names like fuses.

Utility models often draw a lateral's fuse as a short line named ``…FUSE…`` and leave out the
``Fuse`` element (:func:`protv2g.network.dss_fuse_named.fuse_named_lines`; EPRI ckt5: 110 such
lines). Without a device there, C1–C4 see no fuse on the laterals and a site behind one counts
as behind the feeder head (review rev30 §9: the reviewer found each lateral's fuse-named lines,
their peak currents and link sizes with scripts of his own). ``init`` drafts each energised one
as a study device ``kind: fuse``, ``location: {line: <line>, end: <source side>}``, its link
chosen by the rule below and its cutout rating by :mod:`.ratings` (the same C37.42 class as the
model's own fuses), both marked TODO with the reason.

Link rule (a stated rule; the smallest preferred EEI-NEMA K link that meets both parts):

1. **Load.** The line's peak load current (largest phase, the model's snapshot load,
   existing DER off: the gross load, as the head relay's pickup rule takes it) must meet
   both of:

   a. **C8's own rule** — below the link's load limit as C8 judges it, its minimum melting
      current / the study's ``load_pickup_factor`` (default 1.5:
      :func:`protv2g.devices.load_limit.load_limit_a`, the one function C8 and the draft
      both call; EEI-NEMA links melt at about 2 × their rating at 300 s, ANSI C37.43, so the
      limit is about 1.33 × the rating: 33.3 A for a 25K), so a drafted link passes C8 at
      peak load without V2G by the check's own figures and C8's rows on it are the charging
      or export V2G adds;
   b. **Cold-load pickup and growth** — :data:`COLD_LOAD_MARGIN` × the peak within the link's
      continuous capability: tin-element EEI-NEMA K links of 6–100 A carry 150 % of their
      rating continuously, the 140 and 200 A links 100 % (:data:`CONTINUOUS_PU`; ANSI C37.43
      links in C37.42 cutouts, as fuse-link makers' application guides state it: "designed
      to carry 150 % of their rated current without damage … for short-time overloads and
      cold load pick-up" (Eaton/Cooper-derived K/T link catalogues, e.g. Morstar's cutout
      fuse-link page; the 140/200 A figure recalled, not checked against the standard's
      text). With the 1.5 margin a link ≤ 100K is the smallest rated at or above the peak
      load: the margin covers cold-load pickup after an outage (diversity lost for minutes:
      2–3 × peak at first, decaying — the link's time–current curve, not its continuous
      capability, rides through the first seconds) and load growth.

   On the preferred series (b) asks at least as much as (a) — a link ≤ 100K carries at
   most its rating by (b) and about 1.33 × its rating by (a); 140K/200K 0.67 × by (b) —, so
   (b) decides every drafted link today; (a) is checked all the same, and each link's TODO
   gives both figures (the review rec39's "a drafted link can fail C8 at its first run" does
   not hold for these links: 80K, its example, is not in the preferred series init drafts).
   A line whose peak needs more than the largest link (200K) is not drafted (the note keeps
   it: a line that carries that much is not a lateral's cutout).
2. **Series.** It coordinates with every drafted fuse next below it (the first fuse on each
   path down from it) by C3's own criterion (:func:`protv2g.devices.rules.fuse_fuse_ratio`,
   the 75 % rule: the protecting link's total clearing ≤ 0.75 × this link's minimum melt at
   every current up to the largest fault current the fuse below carries — IEC 60909 max, no
   V2G, its close-in fault included), on the project's EEI-NEMA curves
   (``relay_library/fuse_links.yaml``). The choice is the check the study then runs, so the
   draft does not hand C3 a pair it fails; where no preferred link up to 200K coordinates
   (faults above ~11 kA), the smallest link above every one below it is drafted and the TODO
   says the pair does not coordinate. On ckt5 this gives two sizes between fuses in series
   (25K below → 65K), the EEI-NEMA coordination table's practice (25K–65K coordinate to
   2,800 A there, 25K–40K only to 1,350 A).

3. **Load cap.** The series part never takes a link above :data:`LOAD_CAP_MULTIPLE` × the
   line's peak load (the largest preferred link rated at most that; never below the load
   part's link, nor at or below a link under it). A utility sizes a lateral's link from the
   lateral's load and the transformers behind it, and where series coordination would need
   more it accepts the miscoordination at the highest currents (or places a recloser)
   rather than a link many times the load (review rev42a M4: ckt5's 6K → 40K → 100K cascade
   put a 100K on a lateral carrying 8.3 A, and that cascade set the head 51G's dial: 48 s at
   the 20 Ω end-of-zone fault). Where the cap binds, the link's TODO says up to which
   current it coordinates with the fuse below, which link the 75 % rule alone would have
   drafted, and that C3 reports the pair above that current. The ceiling 3 × is a stated
   rule of this draft: utility lateral fusing sizes the link from the lateral's load
   (commonly 1.5–3 × its peak), as NEC 2017 Table 450.3(A) caps the primary fuse of a
   transformer over 1 kV at 300 % of its rated current (recalled, not checked).

Fuses are drafted from the feeder's ends upwards (a fuse's size depends on those below it).
Each link's own figures for rules 1 and 2 (continuous capability, C8's limit, C3's 75 % rule
between two links) are :mod:`.k_links`'s, re-exported here; this module holds rule 3's cap,
the rule's text and the choice of each line's link.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np

from protv2g.devices.library import CurveLibrary
from protv2g.devices.load_limit import load_limit_a as load_limit_a  # C8's, re-exported
from protv2g.network.dss_graph import dss_feeder_graph, dss_source_buses
from protv2g.network.dss_model import DssModel
from protv2g.study_draft.k_links import (
    COLD_LOAD_MARGIN,
    CONTINUOUS_PU,
    K_LINKS,
    LOAD_PICKUP_FACTOR,
    c8_limit_a,
    c8_link,
    carries_cold_load,
    continuous_link,
    coordinated_up_to_a,
    coordinates,
    link_continuous_a,
    load_link,
)

__all__ = ["carries_cold_load", "link_continuous_a", "within_load_cap", "K_LINKS",
           "CONTINUOUS_PU", "COLD_LOAD_MARGIN", "LOAD_PICKUP_FACTOR", "DraftedFuse",
           "LOAD_CAP_MULTIPLE", "fuse_line_ends", "load_link", "c8_link", "continuous_link",
           "c8_limit_a", "coordinates", "coordinated_up_to_a", "choose_links",
           "drafted_fuse_name", "link_rule_text", "LINK_RULE_SHORT", "line_peak_i_abc",
           "line_peak_load_a"]

#: The series rule takes no link above this × the line's peak load (rule 3, module docstring).
LOAD_CAP_MULTIPLE = 3.0


@dataclass(frozen=True)
class DraftedFuse:
    """A fuse drafted on a fuse-named line.

    Attributes
    ----------
    name : str
        The study device's name (:func:`drafted_fuse_name`).
    element : str
        ``line.<name>``.
    terminal : int
        The line's source-side terminal (1: ``end: from``, 2: ``end: to``).
    link : str
        The drafted EEI-NEMA K link (``"40K"``).
    peak_load_a : float
        The line's peak load current, A (largest phase).
    below : tuple of str
        The drafted fuses next below it (names).
    why : str
        The rule applied, with its figures (the link's TODO).
    coordinated : bool
        False where no preferred link coordinates with a fuse below it.
    """

    name: str
    element: str
    terminal: int
    link: str
    peak_load_a: float
    below: tuple[str, ...]
    why: str
    coordinated: bool = True

    @property
    def entry(self) -> dict:
        """The ``devices`` item (without its interrupting rating)."""
        return {"name": self.name, "kind": "fuse",
                "location": {"line": self.element.split(".", 1)[1],
                             "end": "from" if self.terminal == 1 else "to"},
                "link": self.link}


def drafted_fuse_name(element: str) -> str:
    """The study device drafted on ``line.<name>``: ``f-<name>``.

    >>> drafted_fuse_name("line.mdv201_106259fuse")
    'f-mdv201_106259fuse'
    """
    return f"f-{element.split('.', 1)[1]}"


def fuse_line_ends(model: DssModel, lines: Sequence[str]) -> dict[str, tuple[int, int, int]]:
    """``line.<name>`` → (source-side terminal, its bus, the far bus) for the lines the source
    reaches (by the closed elements' graph; the source side is the end fewer hops from it).

    Parameters
    ----------
    model : DssModel
    lines : sequence of str
        ``line.<name>`` elements.
    """
    g = dss_feeder_graph(model)
    src = next(iter(dss_source_buses(model).values()))
    hops = nx.single_source_shortest_path_length(g, src)
    e = model.elements
    row = {str(n): i for i, n in enumerate(e.name)}
    out = {}
    for line in lines:
        ends = [int(b) for b in model.bus_index(list(e.buses.iat[row[line]]))]
        if len(ends) != 2 or not all(b in hops for b in ends) or ends[0] == ends[1]:
            continue
        t = 1 if hops[ends[0]] <= hops[ends[1]] else 2
        out[line] = (t, ends[t - 1], ends[2 - t])
    return out


def within_load_cap(rating: float, peak_load_a: float) -> bool:
    """Rule 3: the link is at most :data:`LOAD_CAP_MULTIPLE` × ``peak_load_a``.

    >>> within_load_cap(65, 23.3), within_load_cap(100, 23.3)  # cap 69.9 A
    (True, False)
    """
    return float(rating) <= LOAD_CAP_MULTIPLE * float(peak_load_a)


#: The rule in short, in each drafted link's TODO (:func:`link_rule_text` above the first).
LINK_RULE_SHORT = ("smallest K link whose C8 load limit (minimum melt / 1.5) the peak load stays "
                   "below and that carries 1.5 × peak load within its continuous capability, "
                   "coordinated by C3's 75 % rule with the drafted fuses below it, up to a link "
                   "of 3 × the peak load")


def link_rule_text() -> str:
    """The link rule in one clause (the study's comment above the drafted fuses; the module
    docstring says the same)."""
    return ("the smallest EEI-NEMA preferred K link (6–200K) whose load limit as C8 judges "
            f"it (minimum melting current / {LOAD_PICKUP_FACTOR:g}) the peak load stays below, "
            "whose continuous capability (tin links 150 % of rating up to 100K, 100 % for "
            f"140K/200K: ANSI C37.43, recalled) carries {COLD_LOAD_MARGIN:g} × the peak load "
            "(cold-load pickup and growth margin) and that coordinates with every drafted fuse "
            "next below it by C3's 75 % rule up to that fuse's max fault (IEC 60909 max, no "
            f"V2G) — but no link above {LOAD_CAP_MULTIPLE:g} × the peak load for that "
            "coordination: a utility sizes a lateral's link from its load and accepts the "
            "miscoordination at the highest currents (the link's TODO says up to which "
            "current it coordinates)")


def choose_links(model: DssModel, lines: Sequence[str], peak_load_a: Mapping[str, float],
                 fault_a: Mapping[str, float], library: CurveLibrary
                 ) -> tuple[list[DraftedFuse], list[str]]:
    """The drafted fuses of ``lines`` (module docstring's rule), from the feeder's ends up.

    Parameters
    ----------
    lines : sequence of str
        The fuse-named lines, ``line.<name>``.
    peak_load_a : mapping
        ``line.<name>`` → peak load current through it, A (largest phase).
    fault_a : mapping
        Drafted fuse name → largest fault current through it, A (IEC 60909 max, no V2G, its
        close-in fault included); a fuse missing here is coordinated at no current.
    library : CurveLibrary
        With the EEI-NEMA K links.

    Returns
    -------
    (list of DraftedFuse, list of str)
        The drafted fuses in ``lines``' order, and the lines not drafted with why
        (``"line.x: …"``).
    """
    ends = fuse_line_ends(model, lines)
    skipped = [f"{ln}: not reached from the source by closed elements" for ln in lines
               if ln not in ends]
    g = dss_feeder_graph(model)
    src = next(iter(dss_source_buses(model).values()))
    tree = nx.bfs_tree(g, src)
    parent = {v: u for u, v in tree.edges()}
    depth = nx.shortest_path_length(tree, src)
    at_far = {far: ln for ln, (_t, _near, far) in ends.items()}
    above: dict[str, str] = {}     # line → the fuse-named line next above it
    for ln, (_t, near, _far) in ends.items():
        b = near
        while b is not None:
            if b in at_far and at_far[b] != ln:
                above[ln] = at_far[b]
                break
            b = parent.get(b)
    below: dict[str, list[str]] = {}
    for ln, up in above.items():
        below.setdefault(up, []).append(ln)
    links: dict[str, int] = {}
    out: dict[str, DraftedFuse] = {}
    for ln in sorted(ends, key=lambda x: -depth.get(ends[x][2], 0)):   # ends first
        fuse = _choose(ln, ends[ln][0], peak_load_a.get(ln, np.nan), below.get(ln, []),
                       links, fault_a, library)
        if fuse is None:
            skipped.append(f"{ln}: peak load {peak_load_a.get(ln, np.nan):.0f} A needs more "
                           f"than a {K_LINKS[-1]}K link carries")
            continue
        links[ln] = int(fuse.link[:-1])
        out[ln] = fuse
    return [out[ln] for ln in lines if ln in out], skipped


def _choose(line: str, terminal: int, peak_a: float, below: Sequence[str],
            links: Mapping[str, int], fault_a: Mapping[str, float], library: CurveLibrary
            ) -> DraftedFuse | None:
    """One line's drafted fuse (:func:`choose_links`); None when the load needs > 200K."""
    c8, cold = c8_link(peak_a, library), continuous_link(peak_a)
    if c8 is None or cold is None:
        return None
    base = max(c8, cold)
    down = [(drafted_fuse_name(b), links[b]) for b in below if b in links]
    floor = max([base, *[r for _n, r in down]])
    larger = [r for r in K_LINKS if r >= floor and all(r > d for _n, d in down)]
    # rule 3: no link above the load cap (but the smallest that sits above those below)
    cap = max([r for r in K_LINKS if within_load_cap(r, peak_a)] or [K_LINKS[0]])
    allowed = [r for r in larger if r <= cap] or larger[:1]
    chosen, ok, wanted = None, True, None
    for r in larger:
        if all(coordinates(f"{d}K", f"{r}K", fault_a.get(n, 0.0), library) for n, d in down):
            chosen = r
            break
    if chosen is not None and allowed and chosen > allowed[-1]:
        chosen, ok, wanted = allowed[-1], False, chosen
    if chosen is None:
        chosen, ok = (larger[0] if larger else K_LINKS[-1]), False
    # both load parts with their figures, and which decided (rule 1, module docstring)
    why = (f"{chosen}K: peak load {peak_a:.1f} A; C8's load limit needs ≥ {c8}K "
           f"({c8_limit_a(c8, library):.1f} A = minimum melt / {LOAD_PICKUP_FACTOR:g}); "
           f"× {COLD_LOAD_MARGIN:g} = {COLD_LOAD_MARGIN * peak_a:.1f} A needs ≥ {cold}K "
           f"({CONTINUOUS_PU[cold] * cold:g} A continuous)"
           + ("" if c8 == cold else
              f": the {'cold-load margin' if cold > c8 else 'C8 limit'} decides"))
    if down and wanted is not None:  # rule 3: the cap bound, the miscoordination said
        pairs = ", ".join(
            f"{n} {d}K (max fault {fault_a.get(n, 0.0):,.0f} A; coordinates up to "
            f"{coordinated_up_to_a(f'{d}K', f'{chosen}K', fault_a.get(n, 0.0), library):,.0f}"
            " A)" for n, d in down)
        why += (f"; below it {pairs}: C3's 75 % rule alone would take {wanted}K "
                f"({wanted / peak_a:.0f} × the peak load); capped at {chosen}K, the largest "
                f"link ≤ {LOAD_CAP_MULTIPLE:g} × the peak load ({LOAD_CAP_MULTIPLE * peak_a:.1f}"
                " A), as a utility sizes a lateral's link from its load: the miscoordination "
                "above those currents accepted (C3 reports the pair; a recloser above the "
                "laterals, or the utility's own links, would settle it)")
    elif down:
        pairs = ", ".join(f"{n} {d}K (max fault {fault_a.get(n, 0.0):,.0f} A)"
                          for n, d in down)
        why += (f"; below it {pairs}: " + (f"{chosen}K is the smallest that coordinates with "
                                          "each by C3's 75 % rule" if ok else
                                          f"no K link up to {K_LINKS[-1]}K coordinates with "
                                          f"each by C3's 75 % rule: {chosen}K, the smallest "
                                          "above them, drafted (C3 reports the pair)"))
    return DraftedFuse(drafted_fuse_name(line), line, terminal, f"{chosen}K", float(peak_a),
                       tuple(n for n, _d in down), why, ok)


def line_peak_load_a(model: DssModel, ends: Mapping[str, tuple[int, int, int]]
                     ) -> dict[str, float]:
    """``line.<name>`` → its peak load current, A (largest phase at its source-side terminal):
    the model's snapshot load (``LoadMult`` 1), existing DER off — the gross load, as the head
    relay's rule takes it (:func:`protv2g.study_draft.head_rule.head_proposals`)."""
    return {ln: float(np.abs(i).max()) for ln, i in line_peak_i_abc(model, ends).items()}


def line_peak_i_abc(model: DssModel, ends: Mapping[str, tuple[int, int, int]]
                    ) -> dict[str, np.ndarray]:
    """``line.<name>`` → its ``(3,)`` complex phase currents (A) in :func:`line_peak_load_a`'s
    flow (a drafted recloser's ground element carries their sum, :mod:`.mid_recloser`)."""
    from protv2g.flow.opendss import DssFlowEngine, DssWatch

    if not ends:
        return {}
    lines = list(ends)
    engine = DssFlowEngine(model, (), [DssWatch(drafted_fuse_name(ln), "fuse", ln, ends[ln][0])
                                       for ln in lines])
    i_abc = engine.solve(np.array([1.0]), np.zeros((0, 1)),
                         der_fraction=np.array([0.0])).watch_i_a[0]
    return {ln: np.asarray(i) for ln, i in zip(lines, i_abc, strict=True)}
