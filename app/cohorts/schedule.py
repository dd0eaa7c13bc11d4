"""When does a module open for a cohort?

Stable API used by other features (assignments compute due dates as
``module_opens_on(cohort, module) + timedelta(days=assignment.settings["due_days"])``):

- ``module_release_dates(cohort, modules) -> dict[int, date]`` (module id → opening date)
- ``module_opens_on(cohort, module) -> date``

Defaults: the first module opens on ``cohort.starts_on``; every further module opens once the
hours of the modules before it have been worked through at ``DEFAULT_HOURS_PER_WEEK``, rounded up to
whole weeks (so modules open on the same weekday as the cohort starts). A trainer's override stored
in ``module_releases`` (``cohort.module_releases``) wins over the default.

No queries of its own beyond reading ``cohort.module_releases`` (load it eagerly with
``selectinload(Cohort.module_releases)`` when scheduling many cohorts); no Flask.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Protocol

DEFAULT_HOURS_PER_WEEK = 4.0


class _ModuleLike(Protocol):
    id: int
    position: int
    hours: float


def default_release_dates(
    starts_on: date,
    modules: Sequence[tuple[int, float]],
    hours_per_week: float = DEFAULT_HOURS_PER_WEEK,
) -> dict[int, date]:
    """Pure default schedule: ``modules`` is ``[(module_id, hours), …]`` in course order."""
    if hours_per_week <= 0:
        raise ValueError("hours_per_week must be positive")
    dates: dict[int, date] = {}
    hours_before = 0.0
    for module_id, hours in modules:
        weeks = math.ceil(round(hours_before / hours_per_week, 6))
        dates[module_id] = starts_on + timedelta(weeks=weeks)
        hours_before += max(float(hours or 0), 0.0)
    return dates


def _overrides(cohort) -> dict[int, date]:
    return {r.module_id: r.opens_on for r in getattr(cohort, "module_releases", None) or ()}


def _ordered(modules: Iterable[_ModuleLike]) -> list[_ModuleLike]:
    return sorted(modules, key=lambda m: (m.position, m.id))


def module_release_dates(cohort, modules: Iterable[_ModuleLike]) -> dict[int, date]:
    """Module id → date on which the module opens for this cohort (overrides applied)."""
    ordered = _ordered(modules)
    dates = default_release_dates(cohort.starts_on, [(m.id, m.hours) for m in ordered])
    overrides = _overrides(cohort)
    for module_id in dates:
        if module_id in overrides:
            dates[module_id] = overrides[module_id]
    return dates


def module_opens_on(cohort, module: _ModuleLike) -> date:
    """The date on which ``module`` opens for ``cohort``.

    The default depends on the modules before it, so the module's course modules are used
    (archived modules are skipped, as they are for learners)."""
    overrides = _overrides(cohort)
    if module.id in overrides:
        return overrides[module.id]
    siblings = [m for m in module.course.modules if m.archived_at is None] if getattr(module, "course", None) else []
    if module not in siblings:
        siblings.append(module)
    return module_release_dates(cohort, siblings)[module.id]
