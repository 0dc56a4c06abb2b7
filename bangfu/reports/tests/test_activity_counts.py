"""The activity report's counts by type, from one grouped query over the activities, equal the
activity figures read through the links (``activities.selectors.figures``)."""

from __future__ import annotations

from bangfu.activities.selectors import activity_list, figures, filter_period
from bangfu.core.tree import prefix_q
from bangfu.reports.kinds.activities import _by, _counts, _total
from bangfu.reports.tests.test_seed_scale import AS_OF, BEFORE, START, make


def test_counts_by_type_equal_the_figures(world):
    scale = make(world)
    for org in (world.a, scale.org("甲镇"), scale.org("丁镇")):
        for start, end in ((START, AS_OF), BEFORE):
            qs = filter_period(
                activity_list(user=world.admin).filter(prefix_q("org__path", org.path)),
                start,
                end,
            )
            grouped, f = _counts(qs), figures(qs)
            assert f.activities > 0 or org != world.a
            assert _total(grouped) == (f.activities, f.household_visits, f.person_times)
            by_type = _by(grouped, 3)
            assert by_type == {
                t.type: (t.activities, t.household_visits, t.person_times) for t in f.by_type
            }, (org, start)
            order = sorted(by_type, key=lambda t: (-by_type[t][0], t))
            assert order == [t.type for t in f.by_type]
