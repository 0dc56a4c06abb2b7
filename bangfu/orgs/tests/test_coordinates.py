"""Coordinates of units: ranges and pairs checked with Chinese messages, the great-circle
distance, the form and detail pages, and the orgs sheet's 经度/纬度 columns (import and export)."""

from __future__ import annotations

import io
from decimal import Decimal

import numpy as np
import openpyxl
import pytest
from django.core.exceptions import ValidationError

from bangfu.audit.models import AuditEvent
from bangfu.core.parsing import CellError
from bangfu.orgs.geo import (
    coordinate_problems,
    haversine_km,
    haversine_pairs,
    parse_degrees,
    unit_vectors,
)
from bangfu.orgs.models import Org
from bangfu.orgs.services import org_create, org_update
from bangfu.transfer.exporters import export_kind
from bangfu.transfer.importers import run_import
from bangfu.transfer.kinds import get_kind
from bangfu.transfer.tests.sheets import plain_xlsx

pytestmark = pytest.mark.django_db


def test_great_circle_distances():
    # One degree of latitude is about 111.2 km anywhere; one of longitude shrinks with cos(lat).
    assert haversine_km(107.7, 23.0, 107.7, 24.0) == pytest.approx(111.195, abs=0.01)
    assert haversine_km(107.0, 23.17, 108.0, 23.17) == pytest.approx(102.23, abs=0.05)
    # 南宁 to 隆安: about 70 km.
    assert 65 < haversine_km(108.3665, 22.8170, 107.6962, 23.1660) < 80
    assert haversine_km(107.7, 23.17, 107.7, 23.17) == 0
    a = np.array([[107.7, 23.0], [107.0, 23.17], [0.0, 0.0]])
    b = np.array([[107.7, 24.0], [108.0, 23.17], [180.0, 0.0]])
    km = haversine_pairs(a, b)
    assert km[:2] == pytest.approx([111.195, 102.23], abs=0.05)
    assert km[2] == pytest.approx(np.pi * 6371.0088)  # half way round
    # Nearest by chord is nearest on the sphere.
    vectors = unit_vectors(np.array([[107.7, 23.17], [107.8, 23.17], [108.7, 23.17]]))
    assert np.linalg.norm(vectors, axis=1) == pytest.approx([1, 1, 1])
    chords = np.linalg.norm(vectors[1:] - vectors[0], axis=1)
    assert chords[0] < chords[1]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (107.7, Decimal("107.700000")),
        ("23.1660281", Decimal("23.166028")),
        ("１０７．６９６", Decimal("107.696000")),
        ("23.17°", Decimal("23.170000")),
        (" -33.5 ", Decimal("-33.500000")),
        ("", None),
        (None, None),
    ],
)
def test_degrees_are_read_from_cells(cell, expected):
    assert parse_degrees(cell) == expected


@pytest.mark.parametrize("cell", ["东经107度", "107.7E", "abc", True])
def test_unreadable_degrees_say_what_is_expected(cell):
    with pytest.raises(CellError, match=r"应为以度为单位的小数, 如 107\.71"):
        parse_degrees(cell)


def test_ranges_and_pairs_are_checked_in_chinese():
    assert coordinate_problems(None, None) == {}
    assert coordinate_problems(Decimal("107.7"), Decimal("23.17")) == {}
    assert coordinate_problems(Decimal("180"), Decimal("-90")) == {}
    assert coordinate_problems(Decimal("181"), Decimal("23")) == {
        "longitude": ["经度应在 -180 到 180 度之间, 实际为 181"]
    }
    assert coordinate_problems(Decimal("107"), Decimal("-90.5")) == {
        "latitude": ["纬度应在 -90 到 90 度之间, 实际为 -90.5"]
    }
    assert coordinate_problems(Decimal("107"), None) == {
        "latitude": ["经度和纬度须同时填写, 或都不填"]
    }


def test_services_store_check_and_audit_coordinates(world):
    org = org_create(
        actor=world.admin,
        code="450123100288",
        name="坐标村",
        kind="village",
        parent=world.a1,
        longitude=Decimal("107.7"),
        latitude=Decimal("23.17"),
    )
    org.refresh_from_db()
    assert org.coordinates == (107.7, 23.17) and org.coordinates_text == "107.7, 23.17"
    event = AuditEvent.objects.get(action="create", object_id=str(org.pk))
    assert (event.after["longitude"], event.after["latitude"]) == ("107.700000", "23.170000")
    with pytest.raises(ValidationError) as exc:
        org_update(
            actor=world.admin,
            org=org,
            code=org.code,
            name=org.name,
            kind=org.kind,
            parent=world.a1,
            longitude=Decimal("200"),
            latitude=Decimal("23.17"),
        )
    assert exc.value.message_dict == {
        "longitude": ["经度应在 -180 到 180 度之间, 实际为 200.000000"]
    }
    updated = org_update(
        actor=world.admin,
        org=org,
        code=org.code,
        name=org.name,
        kind=org.kind,
        parent=world.a1,
        longitude=Decimal("107.700000"),
        latitude=Decimal("23.170000"),
    )
    # The same place written differently is no change (no audit row).
    assert updated.coordinates == (107.7, 23.17)
    assert not AuditEvent.objects.filter(action="update", object_id=str(org.pk)).exists()
    assert Org(longitude=None, latitude=None).coordinates is None


def test_form_and_detail_page(world, client):
    client.force_login(world.unit_admin)
    data = {
        "parent": world.a1.pk,
        "kind": "village",
        "code": "450123100277",
        "name": "经纬村",
        "sort_order": 0,
        "is_active": "on",
        "longitude": "107.712345",
        "latitude": "23.188",
    }
    response = client.post("/orgs/new/", data)
    org = Org.objects.get(code="450123100277")
    assert response.status_code == 302
    assert org.coordinates == (107.712345, 23.188)
    page = client.get(f"/orgs/{org.pk}/").content.decode()
    assert "107.712345, 23.188" in page
    form = client.get(f"/orgs/{org.pk}/edit/").content.decode()
    assert 'value="107.712345"' in form
    for changes, message in (
        ({"longitude": "190"}, "经度应在 -180 到 180 度之间"),
        ({"latitude": "-91"}, "纬度应在 -90 到 90 度之间"),
        ({"latitude": ""}, "经度和纬度须同时填写, 或都不填"),
        ({"longitude": "东经107"}, "经度应为以度为单位的小数"),
        ({"longitude": "107.1234567"}, "经度最多保留 6 位小数"),
    ):
        bad = client.post(f"/orgs/{org.pk}/edit/", {**data, **changes})
        assert bad.status_code == 200 and message in bad.content.decode()
    cleared = client.post(f"/orgs/{org.pk}/edit/", {**data, "longitude": "", "latitude": ""})
    assert cleared.status_code == 302
    org.refresh_from_db()
    assert org.coordinates is None


HEADERS = ["编码", "名称", "上级编码", "类型", "经度", "纬度"]


def test_import_reads_and_checks_the_coordinate_columns(world, tmp_path):
    path = tmp_path / "单位.xlsx"
    rows = plain_xlsx(
        path,
        HEADERS,
        [
            ["450123101", "乙镇", "450123", "乡镇", 107.58342, "23.04186"],
            ["450123101201", "东村", "450123101", "村", "", ""],
            ["450123101202", "西村", "450123101", "村", 190, 23],
            ["450123101203", "南村", "450123101", "村", 107.5, ""],
            ["450123101204", "北村", "450123101", "村", "东经107度", 23],
        ],
    )
    errors = run_import("orgs", path, actor=world.unit_admin).errors
    got = {(e.row, e.column): e.message for e in errors}
    assert got == {
        (rows[2], "经度"): "经度应在 -180 到 180 度之间, 实际为 190.000000",
        (rows[3], "纬度"): "经度和纬度须同时填写, 或都不填",
        (rows[4], "经度"): "经度应为以度为单位的小数, 如 107.71, 实际为 “东经107度”",
    }
    plain_xlsx(
        path,
        HEADERS,
        [
            ["450123101", "乙镇", "450123", "乡镇", 107.58342, "23.04186"],
            ["450123101201", "东村", "450123101", "村", "", ""],
        ],
    )
    result = run_import("orgs", path, actor=world.unit_admin)
    assert (result.created, result.errors) == (2, [])
    assert Org.objects.get(code="450123101").coordinates == (107.58342, 23.04186)
    assert Org.objects.get(code="450123101201").coordinates is None
    # Updating: new coordinates replace the old; empty cells keep them.
    plain_xlsx(path, HEADERS, [["450123101", "乙镇", "", "乡镇", "107.6", "23.1"]])
    assert run_import("orgs", path, actor=world.unit_admin).updated == 1
    assert Org.objects.get(code="450123101").coordinates == (107.6, 23.1)
    plain_xlsx(path, HEADERS, [["450123101", "乙镇", "", "乡镇", "", ""]])
    assert run_import("orgs", path, actor=world.unit_admin).updated == 0
    assert Org.objects.get(code="450123101").coordinates == (107.6, 23.1)


def test_export_writes_the_coordinates(world):
    Org.objects.filter(pk=world.a1v.pk).update(longitude="107.712345", latitude="23.188")
    buffer = io.BytesIO()
    export_kind(get_kind("orgs"), user=world.unit_admin, dest=buffer)
    buffer.seek(0)
    sheet = openpyxl.load_workbook(buffer).worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers[-2:] == ["经度", "纬度"]
    rows = {r[0].value: [c.value for c in r] for r in sheet.iter_rows(min_row=2)}
    assert rows[world.a1v.code][-2:] == [107.712345, 23.188]
    assert rows[world.a1.code][-2:] == [None, None]
