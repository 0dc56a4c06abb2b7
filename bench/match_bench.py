#!/usr/bin/env python
"""Benchmark of matching: bangfu's optimum against greedy nearest-available, in one run.

    .venv/bin/python bench/match_bench.py [--households 50000] [--helpers 10000] [--capacity 5]
                                          [--repeat 3] [--candidates 20] [--order random|village]
                                          [--distance km|tree]

Builds a throw-away SQLite database (migrated, in a temporary BANGFU_DATA_DIR, with
``BANGFU_DEBUG=false`` as in production) holding one county: 22 townships with 10–25 villages
each, households spread unevenly over the villages (log-normal weights: poor villages are poorer),
and helpers with capacity 5 in three places: 30% in 40 county agencies (three steps from any
village), 20% in the townships' own offices (one step from their villages), 50% in villages,
spread with weights of their own, so that local supply and demand do not agree. 80% of helpers
are party members (the 精准扶贫 template prefers them), and households have a 困难程度. A
精准扶贫一对一 program covers the county. Generating the data is not timed.

With ``--distance km`` (the default) every unit has coordinates, laid out like a county of about
2,300 km² (隆安县's size) around 107.70°E 23.17°N: township seats scattered over an ellipse of
26 × 22 km radius, each township's villages clustered around its seat (normal, σ ≈ 4 km), the
county agencies in the county seat (σ ≈ 1 km), township offices at their seats. Distances are
then great-circle km. With ``--distance tree`` units have no coordinates and distances are tree
steps (the earlier benchmark).

Then, in the same process and on the same data, each timed end to end from the database
(reading the program's pool, helpers, tags and loads included; the median of ``--repeat`` runs):

- ``optimum``: ``bangfu.pairings.matching.suggest`` (OR-Tools min-cost flow over the tree), the
  product's cost model: distance, fit (party members preferred) and load balance;
- ``distance``: the same with distance alone (fit and load weights 0): the least total distance;
- ``greedy``: households in key order, each taking the nearest helper with room among all
  helpers (``greedy(limit_candidates=None)``);
- ``greedy-20``: the same among each household's 20 nearest helpers only, as candidate lists do
  (``greedy(limit_candidates=20)``): a household whose 20 are full is stranded.

Distances are tree steps (0 same unit; 1 village–township; 2 two villages of a township; 3
county agency–village; 4 villages of two townships). Goals, printed with pass/fail: a proven
optimum (solver status OPTIMAL) in at most 10 s end to end; at least 35% less total distance
than greedy; nobody left unmatched while capacity remains. Not a test: ``bench/`` is outside
pytest's ``testpaths``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_SECONDS = 10.0
GOAL_DISTANCE_SAVING = 0.35
START = datetime.date(2025, 1, 1)
CENTRE = (107.70, 23.17)  # the county seat (lon, lat)
KM_PER_DEGREE_LAT = 111.2


def setup_django(folder: Path) -> None:
    for key in [k for k in os.environ if k.startswith("BANGFU_")]:
        del os.environ[key]
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "bangfu.settings",
            "BANGFU_DEBUG": "false",
            "BANGFU_DATA_DIR": str(folder),
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def generate(args: argparse.Namespace) -> dict:
    """The county, its households and helpers, and the program (bulk inserts, not timed)."""
    from django.db import transaction

    from bangfu.core.tree import child_path
    from bangfu.orgs.models import Org
    from bangfu.programs.models import Program, ProgramTemplate
    from bangfu.programs.services import load_builtin_templates
    from bangfu.registry.models import Helper, Household, Person, Tag

    rng = random.Random(args.seed)
    # Coordinates from their own generator: the tree run draws exactly the same data as before.
    geo = random.Random(args.seed + 1)
    km_lon = KM_PER_DEGREE_LAT * math.cos(math.radians(CENTRE[1]))

    def near(centre: tuple[float, float], sigma_km: float) -> tuple[float, float]:
        """A point around ``centre``, normally scattered with ``sigma_km`` in each direction."""
        return (
            centre[0] + geo.gauss(0, sigma_km) / km_lon,
            centre[1] + geo.gauss(0, sigma_km) / KM_PER_DEGREE_LAT,
        )

    def in_county() -> tuple[float, float]:
        """A township seat: uniform over an ellipse of 26 × 22 km radius around the centre."""
        while True:
            x, y = geo.uniform(-1, 1), geo.uniform(-1, 1)
            if x * x + y * y <= 1:
                return CENTRE[0] + 26 * x / km_lon, CENTRE[1] + 22 * y / KM_PER_DEGREE_LAT

    def org(
        code: str, name: str, kind: str, parent: Org | None, at: tuple[float, float] | None
    ) -> Org:
        where = {}
        if at is not None and args.distance == "km":
            where = {"longitude": f"{at[0]:.6f}", "latitude": f"{at[1]:.6f}"}
        unit = Org.objects.create(code=code, name=name, kind=kind, parent=parent, **where)
        unit.path = child_path(parent.path if parent else None, unit.pk)
        unit.depth = parent.depth + 1 if parent else 0
        unit.save(update_fields=["path", "depth"])
        return unit

    with transaction.atomic():
        county = org("450123", "甲县", "county", None, CENTRE)
        agencies = [
            org(f"A{i:03d}", f"县直单位{i}", "agency", county, near(CENTRE, 1.0)) for i in range(40)
        ]
        townships, villages = [], []
        for t in range(22):
            seat = in_county()
            township = org(f"450123{100 + t:03d}", f"第{t + 1}镇", "township", county, seat)
            townships.append(township)
            for v in range(rng.randint(10, 25)):
                villages.append(
                    org(
                        f"{township.code}{200 + v:03d}",
                        f"{township.name}{v + 1}村",
                        "village",
                        township,
                        near(seat, 4.0),
                    )
                )
        # Households: log-normal weights over villages; keys in random order or village order.
        weights = [rng.lognormvariate(0, 0.8) for _ in villages]
        places = rng.choices(villages, weights=weights, k=args.households)
        if args.order == "village":
            places.sort(key=lambda v: v.pk)
        heads = Person.objects.bulk_create(
            [Person(org=v, name=f"户主{i}") for i, v in enumerate(places)], batch_size=2000
        )
        difficulties = ["deep"] * 1 + ["relative"] * 3 + ["general"] * 6
        Household.objects.bulk_create(
            [
                Household(
                    code=f"H{i:07d}",
                    org=v,
                    head=head,
                    status="assisting",
                    status_since=START,
                    difficulty=rng.choice(difficulties),
                )
                for i, (v, head) in enumerate(zip(places, heads, strict=True))
            ],
            batch_size=2000,
        )
        # Helpers: by default 30% county agencies, 20% township offices, 50% villages (own
        # weights, independent of the households').
        agency_share, township_share, _village_share = args.mix
        total_share = sum(args.mix)
        n_agency = int(args.helpers * agency_share / total_share)
        n_township = int(args.helpers * township_share / total_share)
        n_village = args.helpers - n_agency - n_township
        vweights = [rng.lognormvariate(0, 0.8) for _ in villages]
        helper_places = (
            rng.choices(agencies, k=n_agency)
            + rng.choices(townships, k=n_township)
            + rng.choices(villages, weights=vweights, k=n_village)
        )
        rng.shuffle(helper_places)
        people = Person.objects.bulk_create(
            [Person(org=u, name=f"干部{i}") for i, u in enumerate(helper_places)], batch_size=2000
        )
        Helper.objects.bulk_create(
            [Helper(person=p, org=p.org, capacity=args.capacity) for p in people],
            batch_size=2000,
        )
        party = Tag.objects.get_or_create(name="党员")[0]
        Person.tags.through.objects.bulk_create(
            [
                Person.tags.through(person_id=p.pk, tag_id=party.pk)
                for p in people
                if rng.random() < 0.8
            ],
            batch_size=2000,
        )
        load_builtin_templates()
        template = ProgramTemplate.objects.get(code="jingzhun")
        program = Program.objects.create(
            code="JZ-BENCH",
            name="甲县精准扶贫一对一",
            template=template,
            org=county,
            area=county,
            start=START,
            definition=template.definition,
        )
    return {
        "program": program,
        "townships": len(townships),
        "villages": len(villages),
        "agencies": len(agencies),
    }


def timed(run, repeat: int):
    """Median seconds of ``repeat`` runs, and the last result."""
    from django.db import connection

    seconds, result = [], None
    for _ in range(repeat):
        connection.close()  # each run opens its own connection, as a request or command would
        started = time.perf_counter()
        result = run()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), seconds, result


def summary(name: str, seconds: float, result, unit: str) -> dict:
    matched = len(result.suggestions)
    distance = round(result.total_km, 1) if unit == "km" else result.total_steps
    return {
        "name": name,
        "seconds": round(seconds, 3),
        "timings": {k: round(v, 3) for k, v in result.timings.items()},
        "status": result.status,
        "matched": matched,
        "unmatched": len(result.unmatched),
        "distance": distance,
        "mean_distance": round(distance / matched, 3) if matched else None,
        "km_pairs": result.km_pairs,
        "steps": result.total_steps,
        "cost": result.total_cost,
        "arcs": result.arcs,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=50000)
    parser.add_argument("--helpers", type=int, default=10000)
    parser.add_argument("--capacity", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each (median shown)")
    parser.add_argument("--candidates", type=int, default=20, help="greedy's candidate list")
    parser.add_argument(
        "--order",
        choices=("random", "village"),
        default="random",
        help="household keys in random order (default) or village by village",
    )
    parser.add_argument(
        "--mix",
        type=lambda text: tuple(int(x) for x in text.split(",")),
        default=(30, 20, 50),
        help="helpers' shares in county agencies, township offices, villages (30,20,50)",
    )
    parser.add_argument(
        "--distance",
        choices=("km", "tree"),
        default="km",
        help="units with coordinates, distances in km (default), or none: tree steps",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bangfu-match-bench-"))
    try:
        started = time.perf_counter()
        setup_django(folder)
        world = generate(args)
        print(
            f"data: {args.households:,} households in {world['villages']} villages of "
            f"{world['townships']} townships, {args.helpers:,} helpers (capacity "
            f"{args.capacity}; in agencies/townships/villages {'/'.join(map(str, args.mix))}), "
            f"{args.order} key order, distances in {args.distance}; "
            f"built in {time.perf_counter() - started:.1f} s (not timed)",
            flush=True,
        )
        from django.db import connection

        from bangfu.pairings.matching import Weights, greedy, suggest

        program = world["program"]
        # Distance alone, to 10 m (per_km 100) where there are coordinates.
        distance_only = Weights(per_km=100, missing_tag=0, no_shared_tag=0, load_step=0)
        rows = []
        for name, run in (
            ("optimum", lambda: suggest(program)),
            ("distance", lambda: suggest(program, weights=distance_only)),
            ("greedy", lambda: greedy(program)),
            (
                f"greedy-{args.candidates}",
                lambda: greedy(program, limit_candidates=args.candidates),
            ),
        ):
            median, runs, result = timed(run, args.repeat)
            rows.append(summary(name, median, result, args.distance))
            print(f"  {name}: {', '.join(f'{s:.2f}' for s in runs)} s", flush=True)
        report(rows, args, connection)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


def report(rows: list[dict], args: argparse.Namespace, connection) -> None:
    optimum = rows[0]
    slots = args.helpers * args.capacity
    unit = "km" if args.distance == "km" else "steps"
    print()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, SQLite {connection.Database.sqlite_version}"
    )
    print(
        f"{'':<11}{'seconds':>9}{'matched':>9}{'unmatched':>10}{'distance ' + unit:>16}"
        f"{'mean':>7}{'× optimum':>11}"
    )
    for row in rows:
        ratio = row["distance"] / optimum["distance"] if optimum["distance"] else float("nan")
        print(
            f"{row['name']:<11}{row['seconds']:>9.2f}{row['matched']:>9,}{row['unmatched']:>10,}"
            f"{row['distance']:>16,}{row['mean_distance'] or 0:>7.2f}{ratio:>11.2f}"
        )
    t = optimum["timings"]
    print(
        f"optimum: read {t.get('read', 0):.2f} s, build {t.get('build', 0):.2f} s, solver "
        f"{t.get('solver', 0):.2f} s, whole solve {t.get('solve', 0):.2f} s, "
        f"{t.get('rounds', 1):.0f} round(s); "
        f"{optimum['arcs']:,} arcs (candidate lists of {args.candidates} would be "
        f"{args.households * args.candidates:,})"
    )
    print()
    goals = [
        (
            f"proven optimum (status OPTIMAL) in ≤ {GOAL_SECONDS:.0f} s end to end",
            optimum["status"] == "OPTIMAL" and optimum["seconds"] <= GOAL_SECONDS,
            f"{optimum['status']}, {optimum['seconds']:.2f} s",
        ),
        (
            "nobody unmatched while capacity remains",
            optimum["unmatched"] == max(0, args.households - slots),
            f"{optimum['unmatched']} unmatched, {max(0, slots - args.households)} places left",
        ),
    ]
    # Distance: the literal totals when greedy pairs everyone; when it strands households its
    # total covers fewer pairs, so the distance per pair is compared instead (and said so).
    for model in rows[:2]:
        for row in rows[2:]:
            if row["unmatched"] == 0:
                saving = 1 - model["distance"] / row["distance"]
                how = f"{model['distance']:,} vs {row['distance']:,} {unit}"
            else:
                saving = 1 - model["mean_distance"] / row["mean_distance"]
                how = (
                    f"per pair {model['mean_distance']:.2f} vs {row['mean_distance']:.2f} {unit}; "
                    f"{row['name']} strands {row['unmatched']:,}"
                )
            goals.append(
                (
                    f"≥ {GOAL_DISTANCE_SAVING:.0%} less distance than {row['name']} "
                    f"({model['name']})",
                    saving >= GOAL_DISTANCE_SAVING,
                    f"{saving:.1%} less ({how})",
                )
            )
    for text, ok, detail in goals:
        print(f"[{'PASS' if ok else 'FAIL'}] {text}: {detail}")
    if args.json:
        print(json.dumps({"args": vars(args), "rows": rows}, ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
