"""Settings from the environment fail loudly; `bangfu` lists every command; production settings
pass Django's deployment checks; the embedded database runs in WAL mode."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import find_commands

import bangfu
from bangfu.cli import COMMANDS

BANGFU = [sys.executable, "-m", "bangfu.cli"]
PACKAGE = Path(bangfu.__file__).parent
GOOD_KEY = "k" * 20 + "Zx9-Qw8_Er7tY6uI5oP4aS3dF2gH1jK0lZxCvBnM"


def run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("BANGFU_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    base.update(
        {"BANGFU_DATA_DIR": str(tmp_path / "data"), "DJANGO_SETTINGS_MODULE": "bangfu.settings"}
    )
    base.update(env)
    return subprocess.run(args, env=base, capture_output=True, text=True, timeout=120, cwd=tmp_path)


def production_env(tmp_path: Path) -> dict[str, str]:
    return {
        "BANGFU_ENV": "production",
        "BANGFU_SECRET_KEY": GOOD_KEY,
        "BANGFU_ALLOWED_HOSTS": "bangfu.example.gov.cn",
        "BANGFU_DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "BANGFU_STATIC_ROOT": str(tmp_path / "static"),
    }


def test_help_lists_every_command_of_the_product(tmp_path):
    result = run([*BANGFU, "--help"], tmp_path)
    assert result.returncode == 0
    ours = set()
    for management in PACKAGE.glob("*/management"):
        ours |= set(find_commands(str(management)))
    assert {"import", "export", "report", "match", "serve", "demo"} <= ours
    assert ours <= set(COMMANDS), f"commands missing from bangfu --help: {ours - set(COMMANDS)}"
    for name in COMMANDS:
        assert f"  {name} " in result.stdout


def test_the_command_exits_quickly_but_runs_its_exit_handlers(tmp_path):
    """``bangfu`` leaves with ``os._exit`` (no freeing of every object), after the exit handlers
    and with its output flushed; the status is the command's."""
    code = (
        "import atexit, sys\n"
        "from bangfu import cli\n"
        "atexit.register(lambda: print('exit handler ran'))\n"
        "sys.argv = ['bangfu', *sys.argv[1:]]\n"
        "cli.script()\n"
        "print('never here')\n"
    )
    done = run([sys.executable, "-c", code, "--version"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [done.stdout.splitlines()[0], "exit handler ran"]
    assert done.stdout.startswith("bangfu ")
    missing = run([sys.executable, "-c", code, "import", "persons", "nowhere.xlsx"], tmp_path)
    assert missing.returncode == 2
    assert "文件不存在" in missing.stderr and "exit handler ran" in missing.stdout
    assert "never here" not in missing.stdout


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"BANGFU_ENV": "staging"}, "BANGFU_ENV"),
        ({"BANGFU_DEBUG": "maybe"}, "BANGFU_DEBUG"),
        ({"BANGFU_DATABASE_URL": "mysql://u:p@h/db"}, "BANGFU_DATABASE_URL"),
        ({"BANGFU_LOGIN_MAX_FAILURES": "five"}, "BANGFU_LOGIN_MAX_FAILURES"),
        ({"BANGFU_TIME_ZONE": "Beijing"}, "BANGFU_TIME_ZONE"),
        ({"BANGFU_LOG_LEVEL": "loud"}, "BANGFU_LOG_LEVEL"),
        ({"BANGFU_ENV": "production"}, "BANGFU_SECRET_KEY"),
        ({"BANGFU_ENV": "production", "BANGFU_SECRET_KEY": "short"}, "BANGFU_SECRET_KEY"),
        ({"BANGFU_ENV": "production", "BANGFU_SECRET_KEY": GOOD_KEY}, "BANGFU_ALLOWED_HOSTS"),
        (
            {
                "BANGFU_ENV": "production",
                "BANGFU_SECRET_KEY": GOOD_KEY,
                "BANGFU_ALLOWED_HOSTS": "x",
            },
            "BANGFU_DATABASE_URL",
        ),
        ({"BANGFU_ENV": "production", "BANGFU_DEBUG": "true"}, "BANGFU_DEBUG"),
    ],
)
def test_wrong_settings_stop_with_one_line_naming_the_variable(tmp_path, env, variable):
    result = run([*BANGFU, "check"], tmp_path, **env)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and variable in lines[0], result.stderr


def test_production_settings_pass_the_deployment_checks(tmp_path):
    result = run(
        [*BANGFU, "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        **production_env(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_serve_refuses_to_start_without_collected_static_files(tmp_path):
    env = production_env(tmp_path)
    result = run([*BANGFU, "serve"], tmp_path, **env)
    assert result.returncode != 0
    assert "collectstatic" in result.stderr


def test_embedded_database_runs_in_wal_mode(tmp_path):
    result = run([*BANGFU, "migrate", "-v", "0"], tmp_path)
    assert result.returncode == 0, result.stderr
    db = tmp_path / "data" / "bangfu.sqlite3"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert (tmp_path / "data" / "secret_key").stat().st_mode & 0o077 == 0


def test_demo_data_never_goes_into_production(tmp_path):
    result = run([*BANGFU, "seed_demo"], tmp_path, **production_env(tmp_path))
    assert result.returncode != 0 and "生产" in result.stderr


def test_serve_help_needs_no_production_settings(tmp_path):
    result = run([*BANGFU, "serve", "--help"], tmp_path)
    assert result.returncode == 0 and "--workers" in result.stdout
    bad = run([*BANGFU, "serve"], tmp_path, BANGFU_WORKERS="many", **production_env(tmp_path))
    assert bad.returncode == 2 and "BANGFU_WORKERS" in bad.stderr


def test_serve_runs_gunicorn_with_production_settings(tmp_path):
    """`bangfu serve` for real: migrate, collect static files, start gunicorn, answer a request."""
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("BANGFU_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(production_env(tmp_path))
    env["BANGFU_ALLOWED_HOSTS"] = "127.0.0.1"
    env["BANGFU_HTTPS"] = "false"
    server = subprocess.Popen(
        [
            *BANGFU,
            "serve",
            "--migrate",
            "--collectstatic",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        body = b""
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    body = r.read()
                    break
            except OSError:
                time.sleep(0.3)
        assert body == b"ok", server.stdout.read() if server.poll() is not None else "no answer"
        # Static files come from the app itself, with a hashed name and long caching.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/") as r:
            html = r.read().decode()
        css = html.split('href="/static/bangfu/app.', 1)[1].split('"', 1)[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/bangfu/app.{css}") as r:
            assert r.status == 200 and "max-age" in r.headers["Cache-Control"]
    finally:
        server.terminate()
        server.wait(timeout=30)
