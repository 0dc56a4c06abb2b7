"""`bangfu seed_demo`: load the demo data set. Each app contributes its part through a
``demo.py`` module with ``seed(ctx)``; running it again changes nothing."""

from __future__ import annotations

import importlib

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from bangfu.core.seeding import DemoContext


class Command(BaseCommand):
    help = "导入演示数据, 可重复执行不会重复 (load the demo data set)"

    def handle(self, *args, **options) -> None:
        if settings.PRODUCTION:
            # The demo's accounts have a published password: never on a production database.
            raise CommandError("演示数据不能导入生产数据库 (BANGFU_ENV=production)")
        ctx = DemoContext(stdout=self.stdout)
        with transaction.atomic():
            for config in apps.get_app_configs():
                if not config.name.startswith("bangfu."):
                    continue
                try:
                    module = importlib.import_module(f"{config.name}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{config.name}.demo":
                        raise
                    continue
                module.seed(ctx)
        self.stdout.write(ctx.summary(password=settings.DEMO_PASSWORD))
