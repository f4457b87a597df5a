"""Power flows of an OpenDSS feeder in OpenDSS, with the V2G sites as OpenDSS elements.

:class:`DssFlowEngine` compiles the model's master (and its ``--redirect`` scripts) into its own
OpenDSS context — never the one a :class:`~protv2g.network.dss_model.DssModel` holds for its
fault study — and adds every V2G site as one ``Generator`` on its own phases:

* a three-phase site: ``phases=3 bus1=<bus>.1.2.3 kv=<kV line-to-line> conn=delta`` — a
  three-wire converter, no neutral and no zero-sequence current, as the fault engine models
  it (balanced positive-sequence current). Wye-connected, its constant power per phase to
  ground moved the neutral of a bus with no ground path until its phase currents summed to
  zero: a converged solution with floating phase-to-ground voltages (review rev30 §2: the
  480 V delta side of a YNd depot transformer on EPRI ckt5, 1.2 MW at peak load, at 1.107 /
  1.085 / 0.880 pu phase to ground, 1.02 pu line to line; :mod:`protv2g.flow.opendss_ground`);
  a site on one phase (a single-phase fleet):
  ``phases=1 bus1=<bus>.<phase> kv=<kV line-to-neutral>`` (two phases: ``phases=2``,
  line-to-line kV, wye: each phase line to neutral with half the power) — the fault engine's
  single-phase inverters, one per phase with ``1/n`` of the site
  (:mod:`protv2g.engine.phase.sites`). On a bus with no ground path such a site has no
  neutral (its wye generator found no solution in 100 iterations there): refused
  (:func:`~protv2g.flow.opendss_ground.line_to_neutral_issue`);
  a line-to-line site (``phase: ab``): ``phases=1 bus1=<bus>.1.2 kv=<kV between the two
  nodes>`` (:func:`~protv2g.network.dss_site_base.site_kv_between`: 0.24 across the legs of a
  split-phase secondary, 4.8 between two phases of IEEE 37) — one unit between them, no
  neutral needed, as the fault engine's line-to-line unit;
* ``model=1`` (constant P), ``pf=1``, ``kW`` = the step's site power: positive while exporting,
  negative while charging (OpenDSS then takes the power in, as a load of that size; a
  generator is not scaled by ``LoadMult``), 0 when idle. ``Vminpu``/``Vmaxpu`` are
  :data:`SITE_VMIN_PU`/:data:`SITE_VMAX_PU` (0.5/1.5), not OpenDSS's defaults 0.9/1.1: below
  ``Vminpu`` OpenDSS turns a generator into a constant impedance, and at the default a
  charging site at 0.74 pu on a weak lateral drew 61.9 of its stated 92 kW (review ver34,
  EPRI DG feeder) while every text said 92 kW. A charger is a constant-power converter over
  its operating range; holding its power down to 0.5 pu is the end that loads the feeder
  most (C8 loading, C12 under-voltage), and the one the pandapower path solves (its loads and
  static generators are constant power at every voltage). A bus that low already fails C12
  under-voltage, where the study says so; whether the charger would trip there is not
  modelled.

Every step is a snapshot power flow with the model's controls (regulator taps, capacitor
switching; its fuses, reclosers and relays do not operate: protv2g evaluates them) at
``LoadMult`` for the step's load fraction of the peak (the model's own loads scaled, its
``status=fixed``/``exempt`` loads held as OpenDSS holds them: :mod:`protv2g.flow.load_level`;
its generators, PV and storage as the model sets them, or scaled by the step's
``der_fraction``: all off in C8's charging snapshots, :mod:`protv2g.flow.opendss_der`). A
scenario block starts from the state of the first solve (taps and capacitor states restored);
the steps of a 96-step day follow one another, each starting from the taps of the step before
(as a utility's controls would). A caller may start a block from another state
(:meth:`DssFlowEngine.solve`'s ``start``, read with :meth:`DssFlowEngine.control_state`):
:func:`~protv2g.flow.opendss_study.opendss_flow` starts a V2G snapshot from its base case's
solved state, so the regulators move only where the export moves them out of their band
(review reg36: from the peak state a light-load step's taps rest where the descent stops,
which depends on the export). A step is solved with at least
:data:`~protv2g.network.dss_model.RETRY_ITERATIONS` power-flow and control iterations (the IEEE
8500 needs 40 control iterations); a step that does not converge is solved once more from where
it stopped, and if it still does not its results are NaN and it is listed.

What each step keeps (:class:`~protv2g.flow.opendss_layout.DssFlowArrays`, re-exported here
with the inputs :class:`DssFlowSite`, :class:`DssWatch`): node voltages, every branch's
active/reactive power at each end with its largest phase current and OpenDSS's loading
(``PctNorm``), and at each watched terminal the phase currents and powers.

References
----------
R. C. Dugan, D. Montenegro, "Reference Guide: The Open Distribution System Simulator
(OpenDSS)", EPRI, 2020 — Generator (``model=1`` constant kW, ``Vminpu``), ``Set LoadMult``,
snapshot solution mode and control iterations, ``PDElements`` results.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from protv2g.flow.dss_trial import TRIAL_FAILED, solve_trial
from protv2g.flow.load_level import load_multiplier, load_split
from protv2g.flow.opendss_der import ExistingDer
from protv2g.flow.opendss_layout import (
    DssFlowArrays,
    DssFlowSite,
    DssWatch,
    build_layout,
    validate_inputs,
)
from protv2g.network.dss_model import (
    RETRY_ITERATIONS,
    DssModel,
    compile_model,
    suspend_protection,
)
from protv2g.network.dss_site_base import site_kv_between

__all__ = ["DssFlowSite", "DssWatch", "DssFlowArrays", "DssFlowEngine", "BRANCH_CLASSES"]

SITE_VMIN_PU = 0.5
"""A site generator's ``Vminpu``: constant power down to 0.5 pu (module docstring)."""
SITE_VMAX_PU = 1.5
"""A site generator's ``Vmaxpu``: constant power up to 1.5 pu (module docstring)."""
_V_RANGE = f" vminpu={SITE_VMIN_PU:g} vmaxpu={SITE_VMAX_PU:g}"

#: Element classes reported in the branch table.
BRANCH_CLASSES = ("line", "transformer", "autotrans", "reactor")
#: Prefix of the generators that stand for the V2G sites.
SITE_PREFIX = "protv2g_site_"


@dataclass
class DssFlowEngine:
    """A compiled copy of ``model`` with its V2G sites, solving flow steps (module docstring).

    Parameters
    ----------
    model : DssModel
        The feeder (its master and redirects are compiled again; the model is not changed).
    sites : sequence of DssFlowSite
    watches : sequence of DssWatch

    Raises
    ------
    InputError
        A site on an unknown bus or on phases the bus does not have, or on one or two phases
        of a bus with no ground path (no neutral for it); a watch on an unknown or disabled
        element or terminal — all listed at once.
    """

    model: DssModel
    sites: Sequence[DssFlowSite] = ()
    watches: Sequence[DssWatch] = ()
    notes: list[str] = field(default_factory=list)
    #: elements out of the base case (the sites' own model transformers, ``"transformer.x"``):
    #: every terminal opened in the steps :meth:`solve` is told are the base case's, their
    #: nodes without a source then NaN (:mod:`protv2g.network.dss_site_transformers`)
    base_open: Sequence[str] = ()
    #: elements out of every step (the own transformers of the sites a hosting search's
    #: one-site variant does not build, review rev33b W1): their terminals opened once,
    #: their nodes without a source NaN in every step
    not_built: Sequence[str] = ()

    def __post_init__(self) -> None:
        self.sites = tuple(self.sites)
        self.watches = tuple(self.watches)
        #: the control state the last step :meth:`solve` solved settled on, read right after
        #: it (None when it did not converge): a base case's own taps, not those of the
        #: solve that re-energises its open elements (:mod:`protv2g.flow.tap_band`)
        self.step_state: dict | None = None
        #: the base case's elements (:attr:`base_open`) are open now: left so by a base-case
        #: :meth:`solve` told ``keep_base_open``; the next solve that is not the base case's
        #: closes them and re-energises first
        self.base_left_open = False
        validate_inputs(self.model, self.sites, self.watches)
        dss, warn = compile_model(self.model.source, self.model.redirects)
        self._dss = dss
        if suspend_protection(dss, warn):
            self.notes.append("the model's fuses, reclosers and relays are kept from operating "
                              "in the flows (protv2g evaluates them: C8 load pickup)")
        it, cit = dss.Solution.MaxIterations(), dss.Solution.MaxControlIterations()
        if min(it, cit) < RETRY_ITERATIONS:
            dss.Solution.MaxIterations(max(it, RETRY_ITERATIONS))
            dss.Solution.MaxControlIterations(max(cit, RETRY_ITERATIONS))
            self.notes.append(f"OpenDSS iteration limits raised to {RETRY_ITERATIONS} (the model "
                              f"sets MaxIterations={it}, MaxControlIterations={cit}): a flow "
                              "step with many control actions needs more")
        if not self.model.controls_on:
            dss.Text.Command("set controlmode=off")
        self._der = ExistingDer.read(dss, SITE_PREFIX)
        inj = getattr(self.model, "injections", None)
        self._loads = load_split(inj) if inj is not None else None
        self.commands = [self._add_site(k, s) for k, s in enumerate(self.sites)]
        self.not_built = tuple(self.not_built)
        self._dead_always = self._open(self.not_built, True)
        dss.Text.Command("set mode=snapshot")
        self._first_ok = self._solve_once()
        if not self._first_ok:
            self.notes.append("the first snapshot power flow (all sites idle, peak load) did "
                              "not converge")
        self._state = self._save_state()
        order = [s.lower() for s in dss.Circuit.YNodeOrder()]
        pos = {n: i for i, n in enumerate(order)}
        self._node_of = np.array([pos.get(n, -1) for n in self.model.node_names],
                                 dtype=np.int64)
        self.branches = self._branch_names()
        self._layout = build_layout(dss, self.model, self.branches, self.watches)
        self.watch_phases = ["".join(c for c, k in zip("abc", row, strict=True) if k >= 0)
                             for row in self._layout.watch_index]
        self._tap_range: dict[tuple[str, int], tuple[float, float]] = {}
        self._taps = self._regulated_windings()

    # ------------------------------------------------------------------ building
    def _add_site(self, k: int, site: DssFlowSite) -> str:
        tab = self.model.buses
        row = tab.loc[site.bus.lower()]
        if site.line_to_line:
            # one single-phase unit between two conductors: a 1-phase generator whose kV is
            # "the actual kV across the terminals" (OpenDSS Reference Guide, Generator kV)
            nodes = ".".join(str("abc".index(p) + 1) for p in site.phases.lower())
            kv = site_kv_between(self.model, site.bus, site.phases)
            cmd = (f"new generator.{SITE_PREFIX}{k} phases=1 bus1={site.bus.lower()}.{nodes} "
                   f"kv={kv:.9g} kw=0 pf=1 model=1{_V_RANGE}")
            self._dss.Text.Command(cmd)
            return cmd
        nodes = ".".join(str("abc".index(p) + 1) for p in sorted(site.phases.lower()))
        n = len(site.phases)
        kv = float(row.kv_ln) if n == 1 else float(row.kv_ll)
        conn = " conn=delta" if n == 3 else ""  # a 3-wire converter: no zero sequence
        cmd = (f"new generator.{SITE_PREFIX}{k} phases={n} bus1={site.bus.lower()}.{nodes} "
               f"kv={kv:.9g} kw=0 pf=1 model=1{_V_RANGE}{conn}")
        self._dss.Text.Command(cmd)
        return cmd

    def _branch_names(self) -> list[str]:
        e = self.model.elements
        keep = e.enabled.to_numpy(bool) & e.cls.isin(BRANCH_CLASSES).to_numpy()
        names = []
        for name, buses in zip(e.name[keep], e.buses[keep], strict=True):
            if len(buses) >= 2 and len(set(buses)) >= 2:
                names.append(name)
        return names

    def _regulated_windings(self) -> list[tuple[int, str, int, float]]:
        """``(watch position, transformer, winding, tap step pu)`` of every regulator watch:
        the winding its RegControl regulates (``model.controls.terminal``) and that winding's
        ``(MaxTap − MinTap) / NumTaps``."""
        dss, c = self._dss, self.model.controls
        regs = c[c.kind == "regcontrol"]
        winding = {str(t).lower(): int(w) for t, w in zip(regs.target, regs.terminal,
                                                           strict=True)}
        out = []
        for j, w in enumerate(self.watches):
            if w.kind != "regulator" or w.element.lower() not in winding:
                continue
            name, wdg = w.element.split(".", 1)[1], winding[w.element.lower()]
            dss.Transformers.Name(name)
            dss.Transformers.Wdg(wdg)
            n_taps = float(dss.Transformers.NumTaps())
            lo, hi = float(dss.Transformers.MinTap()), float(dss.Transformers.MaxTap())
            step = (hi - lo) / n_taps if n_taps > 0 else np.nan
            out.append((j, name, wdg, step))
            self._tap_range[(f"transformer.{name}".lower(), wdg)] = (lo, hi)
        return out

    # ------------------------------------------------------------------ state
    def regulated_steps(self) -> dict[tuple[str, int], tuple[float, float, float]]:
        """``{("transformer.<name>", winding): (tap step, MinTap, MaxTap) pu}`` of every
        regulated winding (:meth:`_regulated_windings`; keys lower case, as
        :meth:`control_state`'s taps)."""
        out = {}
        for _, name, wdg, step in self._taps:
            key = (f"transformer.{name}".lower(), wdg)
            if np.isfinite(step) and step > 0:
                out[key] = (step, *self._tap_range[key])
        return out

    def control_state(self) -> dict:
        """The regulators' taps and the capacitors' states now (after the last step solved):
        ``{"taps": {(transformer, winding): tap pu}, "caps": {capacitor: [step states]}}``,
        for :meth:`solve`'s ``start``."""
        return self._save_state()

    def _state_layout(self) -> tuple[list[tuple[str, str, int]], list[str]]:
        """What a control state holds, read once (the circuit's elements do not change
        after :meth:`__post_init__`): ``(target, transformer, windings)`` of every
        RegControl's transformer in the controls' order (a transformer two controls share
        once), and the capacitors' names. The flow saves and restores a state around each
        of its ~260 solves on the IEEE 8500 (issue #21)."""
        if getattr(self, "_layout_of_state", None) is None:
            dss, regs = self._dss, []
            c = self.model.controls
            for t in dict.fromkeys(c.target[c.kind == "regcontrol"]):
                name = t.split(".", 1)[1]
                dss.Transformers.Name(name)
                regs.append((t, name, int(dss.Transformers.NumWindings())))
            caps = list(dss.Capacitors.AllNames()) if dss.Capacitors.Count() else []
            self._layout_of_state = (regs, caps)
        return self._layout_of_state

    def _save_state(self) -> dict:
        dss = self._dss
        regs, cap_names = self._state_layout()
        taps = {}
        for t, name, windings in regs:
            dss.Transformers.Name(name)
            for w in range(1, windings + 1):
                dss.Transformers.Wdg(w)
                taps[(t, w)] = dss.Transformers.Tap()
        caps = {}
        for name in cap_names:
            dss.Capacitors.Name(name)
            caps[name] = list(dss.Capacitors.States())
        return {"taps": taps, "caps": caps}

    def _restore_state(self, state: dict | None = None) -> None:
        dss = self._dss
        state = self._state if state is None else state
        active = None
        for (t, w), tap in state["taps"].items():
            if t != active:  # the windings of one transformer follow one another
                dss.Transformers.Name(t.split(".", 1)[1])
                active = t
            dss.Transformers.Wdg(w)
            dss.Transformers.Tap(tap)
        for name, states in state["caps"].items():
            dss.Capacitors.Name(name)
            dss.Capacitors.States(states)
        dss.Text.Command("reset controls")

    def _solve_once(self, trial: tuple[str, int, float, int] | None = None) -> bool:
        """One snapshot solve; after a failure OpenDSS needs its mode set again to solve.
        ``trial``: a band-edge trial (transformer, winding, tap, direction), solved by
        :func:`~protv2g.flow.dss_trial.solve_trial` (stopped where its control moves it
        back) instead of OpenDSS's ``Solve`` on the first attempt."""
        dss = self._dss
        for attempt in range(2):
            try:
                if attempt:
                    dss.Text.Command("set mode=snapshot")
                if trial is not None and not attempt:
                    if solve_trial(dss, *trial) != TRIAL_FAILED:
                        return True
                    continue
                dss.Solution.Solve()
                if dss.Solution.Converged():
                    return True
            except Exception:  # noqa: BLE001 - DSSException "Max Control Iterations Exceeded"
                continue
        return False

    # ------------------------------------------------------------------ solving
    def solve(self, load_fraction: np.ndarray, site_p_mw: np.ndarray,
              sequential: bool = False, der_fraction: np.ndarray | None = None,
              base_case: bool = False, all_built: bool = False,
              start: dict | None = None, voltages_only: bool = False,
              keep_base_open: bool = False,
              trial: tuple[str, int, float, int] | None = None) -> DssFlowArrays:
        """Solve ``n`` steps.

        Parameters
        ----------
        load_fraction : numpy.ndarray
            ``(n,)`` ``LoadMult`` of each step.
        site_p_mw : numpy.ndarray
            ``(n_sites, n)`` site power, MW (+ export, − charging).
        sequential : bool
            ``False``: every step starts from the first solve's state (independent
            scenarios); ``True``: only the first does, the others from the step before (a day).
        der_fraction : numpy.ndarray, optional
            ``(n,)`` multiplier on the model's existing DER (default 1; 0 in C8's charging
            snapshots): its PV systems, generating generators and discharging storage
            (:class:`~protv2g.flow.opendss_der.ExistingDer`; loads among them stay).
        base_case : bool
            The steps are the base case's: :attr:`base_open` out (their terminals open).
        all_built : bool
            :attr:`not_built` in too for these steps (the base case's idle voltages with
            every site's transformer in, :func:`~protv2g.flow.opendss_study.with_idle_voltages`:
            one base case serves every site's variant).
        start : dict, optional
            The control state (:meth:`control_state`) the first step (every step when not
            ``sequential``) starts from; default the first solve's (all sites idle, peak).
        voltages_only : bool
            Read the node voltages, taps and control state only; the branch and watched
            element arrays stay NaN (the regulators' band-edge trials,
            :mod:`protv2g.flow.tap_band`, read nothing else: reading every element's currents
            and powers was most of a trial's cost on the IEEE 8500, review host44).
        keep_base_open : bool
            With ``base_case``: the next solve is the base case's as well — its elements stay
            open (:attr:`base_left_open`) and the re-energising solve (:meth:`_reenergise`) is
            left to the next solve that is not the base case's. The regulators' band-edge
            trials of a base case (:mod:`protv2g.flow.tap_band`) solve it ~25 times in a row:
            a re-energising solve after each, from the first solve's taps at that load, was
            0.57 s against 0.13 s a trial on the IEEE 8500 (regb45). The next base-case step
            then starts from the voltages of the one before, not from the re-energised feeder's.
        trial : tuple, optional
            ``(transformer, winding, tap pu, direction)``: the (one) step is a regulator's
            band-edge trial (:mod:`protv2g.flow.tap_band`), solved until its control moves
            that tap back (:func:`~protv2g.flow.dss_trial.solve_trial`): the step's state
            then has the tap moved back and its voltages are the first power flow's.

        Returns
        -------
        DssFlowArrays
        """
        dss = self._dss
        lf = np.asarray(load_fraction, dtype=float)
        p = np.asarray(site_p_mw, dtype=float).reshape(len(self.sites), len(lf))
        der = np.ones(len(lf)) if der_fraction is None else np.asarray(der_fraction, float)
        note = self._der.note()
        if (der != 1.0).any() and note not in self.notes:
            self.notes.append(note)
        mult = lf if self._loads is None else load_multiplier(
            lf, self._loads.p_variable_kw, self._loads.p_held_kw)
        held = None if self._loads is None else self._loads.note(lf)
        if held is not None and held not in self.notes:
            self.notes.append(held)
        n = len(lf)
        out = DssFlowArrays(
            v_v=np.full((n, self.model.n_nodes), np.nan, dtype=complex),
            branch_s_kva=np.full((n, len(self.branches), 2), np.nan, dtype=complex),
            branch_i_a=np.full((n, len(self.branches)), np.nan),
            branch_loading_percent=np.full((n, len(self.branches)), np.nan),
            watch_i_a=np.full((n, len(self.watches), 3), np.nan, dtype=complex),
            watch_s_kva=np.full((n, len(self.watches), 3), np.nan, dtype=complex),
            watch_tap_pu=np.full((n, len(self.watches)), np.nan),
            watch_tap_position=np.full((n, len(self.watches)), np.nan),
            converged=np.zeros(n, dtype=bool), iterations=np.zeros(n, dtype=np.int64))
        if self.base_left_open and not base_case:
            self._switch_base(False)
            self._reenergise()
        self.base_left_open = False
        dead = self._switch_base(True) if base_case else None
        built = all_built and len(self.not_built) > 0
        if built:
            self._open(self.not_built, False)
        for k in range(n):
            if k == 0 or not sequential:
                self._restore_state(start)
            dss.Solution.LoadMult(float(mult[k]))  # lf[k] × the peak (flow.load_level)
            self._der.scale(dss, der[k])  # set only when a step changes it
            for j in range(len(self.sites)):
                dss.Generators.Name(f"{SITE_PREFIX}{j}")
                dss.Generators.kW(float(p[j, k]) * 1000.0)
            ok = self._solve_once(trial)
            out.converged[k] = ok
            out.iterations[k] = int(dss.Solution.Iterations())
            if not ok:
                self.step_state = None
                continue
            self.step_state = self._save_state()  # before a base case's re-energising solve
            v = np.asarray(dss.Circuit.YNodeVArray(), dtype=float)
            v = v[0::2] + 1j * v[1::2]
            out.v_v[k] = np.where(self._node_of >= 0, v[np.maximum(self._node_of, 0)], 0.0)
            if not voltages_only:
                self._read_elements(out, k)
            for j, name, wdg, step in self._taps:
                dss.Transformers.Name(name)
                dss.Transformers.Wdg(wdg)
                tap = float(dss.Transformers.Tap())
                out.watch_tap_pu[k, j] = tap
                out.watch_tap_position[k, j] = np.rint((tap - 1.0) / step)
        self._der.scale(dss, 1.0)
        if dead is not None:
            if keep_base_open:
                self.base_left_open = True
            else:
                self._switch_base(False)
                self._reenergise()
            out.v_v[:, dead] = np.nan
        if built:
            self._open(self.not_built, True)
        elif len(self._dead_always):
            out.v_v[:, self._dead_always] = np.nan
        return out

    def _read_elements(self, out: DssFlowArrays, k: int) -> None:
        """Step ``k``'s branch and watched-element currents, powers and loading from the
        solved circuit into ``out`` (:meth:`solve`)."""
        dss, lay = self._dss, self._layout
        c = np.asarray(dss.PDElements.AllCurrents(), dtype=float)
        c = c[0::2] + 1j * c[1::2]
        s = np.asarray(dss.PDElements.AllPowers(), dtype=float)
        s = s[0::2] + 1j * s[1::2]
        out.branch_s_kva[k, :, 0] = lay.from_sum @ s
        out.branch_s_kva[k, :, 1] = lay.to_sum @ s
        if len(lay.i_index):
            out.branch_i_a[k] = np.maximum.reduceat(np.abs(c[lay.i_index]), lay.i_start)
        pct = np.asarray(dss.PDElements.AllPctNorm(), dtype=float)
        out.branch_loading_percent[k] = pct[lay.branch_pd]
        has = lay.watch_index >= 0
        idx = np.maximum(lay.watch_index, 0)
        out.watch_i_a[k] = np.where(has, c[idx], 0.0)
        out.watch_s_kva[k] = np.where(has, s[idx], 0.0)

    def _reenergise(self) -> None:
        """One solve with the base case's elements closed again and every site idle, from the
        first solve's control state, its result not kept: OpenDSS starts a snapshot from the
        last solution's voltages, and after a base-case block those of the part it opened
        (a site's own transformer and what lies behind it) are zero — a V2G step started
        there did not converge (delta36's test feeder after reg36 solved the base cases
        first: expected/peak and charging rows all NaN). The next step restores its own
        state (:meth:`_restore_state`)."""
        dss = self._dss
        for j in range(len(self.sites)):
            dss.Generators.Name(f"{SITE_PREFIX}{j}")
            dss.Generators.kW(0.0)
        self._restore_state()
        self._solve_once()

    def _switch_base(self, out: bool) -> np.ndarray | None:
        """Open (``out``) or close every terminal of :attr:`base_open` (but those of
        :attr:`not_built`, open in every step); the model's nodes that have no source
        without them (None when there is nothing to switch)."""
        if not self.base_open:
            return None
        gone = {str(n).lower() for n in self.not_built}
        switch = [n for n in self.base_open if str(n).lower() not in gone]
        self._open(switch, out)
        from protv2g.network.dss_site_transformers import without_elements

        base = without_elements(self.model, [*self.base_open, *self.not_built])
        return np.flatnonzero(self.model.energized & ~base.energized)

    def _open(self, names: Sequence[str], out: bool) -> np.ndarray:
        """Open (``out``) or close every terminal of elements ``names``; the model's nodes
        that have no source without them (empty for no name)."""
        if not names:
            return np.zeros(0, dtype=np.int64)
        for name in names:
            self._dss.Circuit.SetActiveElement(name)
            for t in range(1, self._dss.CktElement.NumTerminals() + 1):
                self._dss.Text.Command(f"{'open' if out else 'close'} {name} {t}")
        from protv2g.network.dss_site_transformers import without_elements

        base = without_elements(self.model, names)
        return np.flatnonzero(self.model.energized & ~base.energized)
