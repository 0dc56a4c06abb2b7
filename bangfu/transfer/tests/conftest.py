from __future__ import annotations

import pytest

from bangfu.accounts.models import User
from bangfu.accounts.scope import Scope


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    """Uploads go to a temporary data folder, never into the checkout's data/."""
    settings.DATA_DIR = tmp_path / "data"


@pytest.fixture
def system() -> User:
    """The command line's stand-in system administrator."""
    user = User(username="bangfu-cli", name="命令行")
    user._bangfu_scope = Scope(user_id=None, is_sysadmin=True)
    return user
