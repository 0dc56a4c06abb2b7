"""The assessment pages: who reaches each URL, the scheme editor's checks, the scores page and
its .xlsx (opened with openpyxl), exemplars, and grades recorded by a helper for their own
students only."""

from __future__ import annotations

import datetime
import io
import json

import openpyxl
import pytest
from django.urls import reverse

from bangfu.assessment.models import Exemplar, ProgressRecord, Scheme
from bangfu.assessment.services import exemplar_mark
from bangfu.assessment.tests.factories import HELPER_SCHEME, build_assessment_world
from bangfu.audit.models import AuditEvent
from bangfu.core.testing import UrlCase, assert_covers, check, client_for, matrix

D = datetime.date


@pytest.fixture
def world(world):
    build_assessment_world(world)
    exemplar = exemplar_mark(
        actor=world.admin,
        scheme=world.scheme,
        period="2026",
        title="扎根村组的好干部",
        write_up="一年走访七户次, 帮助一户脱贫。",
        helper=world.cadre,
    )
    world.extra.update(exemplar=exemplar)
    return world


READ = {"admin": 200, "unit_admin": 200, "inspector": 200}
ADMIN = {"admin": 200, "unit_admin": 200}

CASES = [
    UrlCase("scheme_list", expect={**READ, "outsider": 200}),
    UrlCase("scheme_create", expect={**ADMIN, "outsider": 200}),
    UrlCase("scores", expect=READ, kwargs=lambda w: {"pk": w.scheme.pk}),
    UrlCase(
        "scores",
        expect=READ,
        kwargs=lambda w: {"pk": w.scheme.pk},
        data=lambda w: {"period": "2026", "org": w.a1.pk},
    ),
    UrlCase("scheme_edit", expect=ADMIN, kwargs=lambda w: {"pk": w.scheme.pk}),
    UrlCase("scores_xlsx", expect=READ, kwargs=lambda w: {"pk": w.scheme.pk}),
    UrlCase(
        "exemplar_create",
        expect=ADMIN,
        kwargs=lambda w: {"pk": w.scheme.pk},
        data=lambda w: {"period": "2026", "subject": w.cadre2.pk},
    ),
    UrlCase("exemplar_list", expect={**READ, "helper": 200, "outsider": 200}),
    UrlCase(
        "exemplar_delete",
        method="post",
        expect={"admin": 302, "unit_admin": 302},
        kwargs=lambda w: {"pk": w.exemplar.pk},
    ),
    UrlCase("progress", expect={**READ, "helper": 200, "outsider": 200}),
]


def test_every_url_has_a_case():
    assert_covers("assessment", CASES)


@pytest.mark.parametrize(("case", "persona"), matrix(CASES), ids=str)
def test_authorization(world, case, persona):
    check(world, "assessment", case, persona)


def test_outsider_sees_no_scheme_or_exemplar_of_a(world):
    client = client_for(world, "outsider")
    assert "2026年帮扶责任人考核" not in client.get(reverse("assessment:scheme_list")).text
    assert "扎根村组的好干部" not in client.get(reverse("assessment:exemplar_list")).text
    helper = client_for(world, "helper")
    assert "扎根村组的好干部" in helper.get(reverse("assessment:exemplar_list")).text


def test_scores_page_ranks_and_explains(world):
    client = client_for(world, "inspector")
    url = reverse("assessment:scores", kwargs={"pk": world.scheme.pk})
    html = client.get(url, {"period": "2026"}).text
    assert html.index("李帮扶") < html.index("王干部")
    assert "68.00" in html and "得分明细" in html and "7 / 10" not in html
    assert "<script>" not in html and "style=" not in html
    # A unit outside the scheme's subtree, or a period that does not exist: 404.
    assert client.get(url, {"org": world.b.pk}).status_code == 404
    assert client.get(url, {"period": "2026-2027-1"}).status_code == 404


def test_export_opens_with_openpyxl(world):
    client = client_for(world, "unit_admin")
    url = reverse("assessment:scores_xlsx", kwargs={"pk": world.scheme.pk})
    response = client.get(url, {"period": "2026"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(min_row=4, values_only=True)]
    header, first, second = rows[0], rows[1], rows[2]
    assert header[:4] == ["名次", "姓名/单位", "所属单位", "总分"]
    assert first[:4] == [1, "李帮扶", "甲镇", 68]
    assert first[4:7] == [7, 70, 28]
    assert second[1] == "王干部"
    assert AuditEvent.objects.filter(action="export", object_type="assessment.scheme").exists()


def test_scheme_editor_names_problems(world):
    client = client_for(world, "unit_admin")
    bad = json.loads(json.dumps(HELPER_SCHEME))
    bad["indicators"][0]["weight"] = 10
    data = {
        "name": "新方案",
        "org": world.a.pk,
        "subject": "helpers",
        "period": "year",
        "is_active": "on",
        "definition": json.dumps(bad, ensure_ascii=False),
    }
    response = client.post(reverse("assessment:scheme_create"), data)
    assert response.status_code == 200
    assert "权重合计应为 100, 实际为 70" in response.text
    response = client.post(reverse("assessment:scheme_create"), {**data, "definition": "{"})
    assert "JSON 格式错误" in response.text
    data["definition"] = json.dumps(HELPER_SCHEME)
    response = client.post(reverse("assessment:scheme_create"), data)
    scheme = Scheme.objects.get(name="新方案")
    assert response.status_code == 302
    assert AuditEvent.objects.filter(
        object_type="assessment.scheme", object_id=str(scheme.pk)
    ).exists()
    # The outsider may not set a scheme for county A.
    outsider = client_for(world, "outsider")
    response = outsider.post(reverse("assessment:scheme_create"), {**data, "name": "乙"})
    assert response.status_code == 200 and not Scheme.objects.filter(name="乙").exists()


def test_exemplar_marked_once_and_unmarked(world):
    client = client_for(world, "admin")
    url = reverse("assessment:exemplar_create", kwargs={"pk": world.scheme.pk})
    response = client.post(
        url, {"period": "2026", "subject": world.cadre.pk, "title": "再评", "write_up": "x"}
    )
    assert "已评为本期典型" in response.text
    response = client.post(
        url, {"period": "2026", "subject": world.cadre2.pk, "title": "好", "write_up": "走访扎实"}
    )
    assert response.status_code == 302
    assert Exemplar.objects.count() == 2
    client.post(reverse("assessment:exemplar_delete", kwargs={"pk": world.exemplar.pk}))
    assert not Exemplar.objects.filter(pk=world.exemplar.pk).exists()
    assert AuditEvent.objects.filter(action="delete", object_type="assessment.exemplar").exists()


def test_helper_records_grades_for_own_students_only(world):
    # The helper persona is 李帮扶: the members of his households are his students.
    member = world.household2.members.first().person
    client = client_for(world, "helper")
    data = {
        "person": member.pk,
        "course": "数学",
        "term": "2026春",
        "recorded_on": "2026-07-01",
        "score": "88",
    }
    assert client.post(reverse("assessment:progress"), data).status_code == 302
    record = ProgressRecord.objects.get(person=member)
    assert record.recorded_by == world.helper
    assert AuditEvent.objects.filter(object_type="assessment.progressrecord").exists()
    # 陈老师's student is not his: not offered, refused.
    response = client.post(reverse("assessment:progress"), {**data, "person": world.student.pk})
    assert response.status_code == 200
    assert not ProgressRecord.objects.filter(
        person=world.student, term="2026春", course="数学", score=88
    ).exists()
    # Neither score nor level: named.
    response = client.post(reverse("assessment:progress"), {**data, "score": "", "term": "2026秋"})
    assert "分数和等级至少填写一项" in response.text
