"""A study file drafted from an OpenDSS feeder (``protv2g init``): :func:`draft_study`.

Modules: ``draft`` (the orchestration and the YAML text), ``head_relay`` (feeder heads and a
proposed relay by a stated rule), ``head_rule`` (that rule on a model and its devices: the
fault study it reads, a proposal per head — init's and the stale-draft check's one function),
``redraft`` (drafted head settings init's rule now gives otherwise: ``validate``/``run``
warnings, ``init --redraft``), ``candidates`` (candidate site buses with their
short-circuit level), ``writer`` (YAML and curve-file text).
"""

from protv2g.study_draft.draft import StudyDraft, draft_study, parse_site, r10_rating_ka

__all__ = ["StudyDraft", "draft_study", "parse_site", "r10_rating_ka"]
