"""The six shipped templates after ``bangfu migrate`` (docs/programs.md, "Built-in templates
after migrate"): there on an empty database, brought to a new shipped version by a later
migrate without touching the programs made from them (that change audited without a user),
idempotent, quiet at verbosity 0.

pytest-django builds the test database by running the migrations (``--no-migrations`` is not
in the project's options), so the session's database already went through the post_migrate
handler; the tests below run ``migrate`` again inside their transaction, which applies no
migration and sends post_migrate once more, as an upgrade with nothing new in the schema does.
"""

from __future__ import annotations

import datetime
import io
import json
import logging
import shutil

import pytest
from django.core.management import call_command

from bangfu.audit.models import AuditEvent
from bangfu.programs import services
from bangfu.programs.models import Program, ProgramTemplate

pytestmark = pytest.mark.django_db


def migrate(verbosity: int = 0) -> str:
    out = io.StringIO()
    call_command("migrate", verbosity=verbosity, interactive=False, stdout=out, stderr=out)
    return out.getvalue()


def migrate_events():
    return AuditEvent.objects.filter(
        object_type="programs.programtemplate", actor_username=services.MIGRATE_ACTOR
    )


def test_the_migrated_test_database_holds_the_six_shipped_templates():
    shipped = services.builtin_definitions()
    stored = {t.code: t for t in ProgramTemplate.objects.all()}
    assert sorted(stored) == sorted(services.SHIPPED)
    for code, definition in shipped.items():
        assert stored[code].builtin is True
        assert stored[code].name == definition["name"]
        assert stored[code].definition == definition
    assert stored["siyige"].name == "四个一"


def test_an_empty_template_table_gets_the_six_without_audit_rows(capsys):
    ProgramTemplate.objects.all().delete()
    events = AuditEvent.objects.count()

    out = migrate(verbosity=1)

    assert sorted(ProgramTemplate.objects.values_list("code", flat=True)) == sorted(
        services.SHIPPED
    )
    assert all(ProgramTemplate.objects.values_list("builtin", flat=True))
    assert (
        "内置项目模板: 新增 jingzhun、siyige、shitu、chengxiang、kunnan、baocun; 更新为新版本 -"
        in out
    )
    # Installing is part of the release, as the migrations are: no audit row, no user invented.
    assert AuditEvent.objects.count() == events
    assert capsys.readouterr().out == ""


def test_migrate_again_changes_nothing_records_nothing_and_prints_nothing(capsys):
    stamps = dict(ProgramTemplate.objects.values_list("code", "updated_at"))
    events = AuditEvent.objects.count()

    assert migrate(verbosity=0) == ""
    result = services.install_builtin_templates()

    assert (result.created, result.updated, result.skipped) == ([], [], [])
    assert dict(ProgramTemplate.objects.values_list("code", "updated_at")) == stamps
    assert AuditEvent.objects.count() == events
    assert services.load_builtin_templates() == 0
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "")


def test_an_upgrade_brings_the_new_version_and_the_program_keeps_its_own(
    world, tmp_path, monkeypatch
):
    template = ProgramTemplate.objects.get(code="siyige")
    program = services.program_create(
        actor=world.admin,
        code="P-SYG",
        name="2026年四个一",
        template=template,
        org=world.a,
        start=datetime.date(2025, 9, 1),
    )
    old = json.loads(json.dumps(template.definition))
    assert program.definition == old
    # The next release ships siyige with two talks a month instead of one.
    for path in services.TEMPLATE_DIR.glob("*.json"):
        shutil.copy(path, tmp_path / path.name)
    new = json.loads((services.TEMPLATE_DIR / "siyige.json").read_text("utf-8"))
    talk = next(r for r in new["rules"] if r["kind"] == "periodic")
    talk["count"] = talk["count"] + 1
    (tmp_path / "siyige.json").write_text(json.dumps(new, ensure_ascii=False), "utf-8")
    monkeypatch.setattr(services, "TEMPLATE_DIR", tmp_path)
    events = migrate_events().count()

    out = migrate(verbosity=1)

    template.refresh_from_db()
    program.refresh_from_db()
    assert template.definition == new and template.definition != old
    assert program.definition == old
    assert Program.objects.get(code="P-SYG").template_id == template.pk
    assert "更新为新版本 siyige" in out
    update = migrate_events().get(action="update", object_id=str(template.pk))
    assert (update.actor_id, update.actor_name, update.object_repr) == (None, "", "四个一")
    assert update.before["definition"] == old and update.after["definition"] == new
    assert migrate_events().count() == events + 1
    # Only siyige changed; a second migrate finds nothing to do.
    assert migrate(verbosity=1).count("内置项目模板") == 0
    assert migrate_events().count() == events + 1


def test_an_office_template_holding_a_shipped_code_is_left_alone_and_reported(caplog):
    ProgramTemplate.objects.filter(code="kunnan").delete()
    own = ProgramTemplate.objects.create(
        code="kunnan", name="本单位困难职工帮扶", definition={"code": "kunnan"}, builtin=False
    )

    with caplog.at_level(logging.WARNING, logger="bangfu.programs.apps"):
        out = migrate(verbosity=1)

    own.refresh_from_db()
    assert (own.name, own.definition, own.builtin) == (
        "本单位困难职工帮扶",
        {"code": "kunnan"},
        False,
    )
    reason = "模板编码 kunnan 已被自建模板“本单位困难职工帮扶”使用, 内置模板“困难职工帮扶”未安装"
    assert reason in out
    assert reason in caplog.text
    assert not ProgramTemplate.objects.filter(name="困难职工帮扶").exists()
