from __future__ import annotations

import factory

from bangfu.core.tree import child_path
from bangfu.orgs.models import Org


class OrgFactory(factory.django.DjangoModelFactory):
    """A unit with a correct path; pass ``parent=`` to place it in the tree."""

    class Meta:
        model = Org

    code = factory.Sequence(lambda n: f"U{n:05d}")
    name = factory.Sequence(lambda n: f"测试单位{n}")
    kind = "agency"
    parent = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        parent = kwargs.get("parent")
        kwargs["depth"] = parent.depth + 1 if parent else 0
        org = model_class(*args, **kwargs)
        org.save()
        org.path = child_path(parent.path if parent else None, org.pk)
        org.save(update_fields=["path"])
        return org
