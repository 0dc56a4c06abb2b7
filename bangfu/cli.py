"""`bangfu`: the platform's command line (docs/cli.md).

``bangfu COMMAND [options]`` runs one of the product's commands below; any other Django
management command (``bangfu migrate``, ``bangfu shell`` …) passes through unchanged.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading

# name → description; tests check that every command of bangfu's apps is listed here.
COMMANDS: dict[str, str] = {
    "demo": "建库、导入演示数据并在 http://127.0.0.1:8000 启动 (set up the demo and serve it)",
    "seed_demo": "导入演示数据, 可重复执行不会重复 (load the demo data set; idempotent)",
    "serve": "以生产方式 (gunicorn) 启动, 读取 BANGFU_* 环境变量 (run the production server)",
    "import": "导入一个标准表 (Excel 或 CSV), 全部导入或全部不导入 (import a standard sheet)",
    "export": "导出一个标准表, 身份证号和电话默认遮蔽 (export a standard sheet, masked)",
    "report": "报表: bangfu report status|qiqing|activities|villages|compliance [--org CODE] "
    "[--from D --to D] [--as-of D] [--format json|xlsx|pdf|docx --output FILE] (reports)",
    "match": "匹配建议: bangfu match --program CODE [--apply] [--format json] [--date DATE] "
    "(suggest helpers for unpaired beneficiaries as one optimisation)",
    "compliance": "合规检查: bangfu compliance --program CODE --as-of DATE [--format json] "
    "(every obligation owed as of a date, coverage and a summary)",
    "quality": "数据质量检查 (逻辑校验): bangfu quality [--org CODE] [--check CODE ...] "
    "[--format json] (run the data-quality checks on a subtree)",
    "notify": "每日提醒: bangfu notify [--date DATE] [--dry-run] [--org CODE] [--enqueue] "
    "(build and send the daily digests of due and overdue items; idempotent)",
    "summaries": "统计汇总表: bangfu summaries [--rebuild] [--format json] "
    "(recount the reports' summary tables where the records changed)",
    "db_worker": "后台任务进程, 执行排队的任务 (run queued background tasks; django-tasks-db)",
    "createadmin": "新建系统管理员账号 (create a system administrator account)",
    "migrate": "建立或升级数据库表结构 (create or upgrade the database schema)",
    "collectstatic": "收集静态文件到 BANGFU_STATIC_ROOT, 生产部署前执行 (collect static files)",
    "check": "检查配置; 加 --deploy 检查生产安全设置 (check the configuration)",
    "shell": "打开 Python 交互环境 (open a Python shell)",
    "dbshell": "打开数据库命令行 (open the database's own shell)",
}

USAGE = """用法 (usage): bangfu COMMAND [options]     bangfu COMMAND --help 查看命令参数

命令 (commands):
{commands}

数据库 (database): BANGFU_DATABASE_URL, 默认为内置 SQLite 文件 data/bangfu.sqlite3
文档 (docs): docs/cli.md, docs/configuration.md, docs/deploy.md
"""


def usage() -> str:
    width = max(len(name) for name in COMMANDS)
    lines = "\n".join(f"  {name.ljust(width)}  {text}" for name, text in COMMANDS.items())
    return USAGE.format(commands=lines)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(usage())
        return 0
    if args[0] in ("-V", "--version"):
        from importlib.metadata import version

        print(f"bangfu {version('bangfu')}")
        return 0
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bangfu.settings")
    if args[0] == "serve" and not {"-h", "--help"} & set(args):
        os.environ.setdefault("BANGFU_ENV", "production")

    from django.core.exceptions import ImproperlyConfigured

    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(["bangfu", *args])
    except ImproperlyConfigured as exc:
        print(f"bangfu: 配置错误 (configuration error): {exc}", file=sys.stderr)
        return 2
    return 0


def script() -> None:
    """The ``bangfu`` console script (and ``python -m bangfu.cli``): :func:`main`, then out
    without tearing the interpreter down.

    Freeing every object one by one at exit (pypinyin's dictionaries, the ids of a large
    import's rows) took 0.3 s after an import of 200,000 rows (docs/performance.md). The exit
    handlers still run (``atexit``: logging's last flush, temporary files removed) and the
    output is flushed; only the freeing is skipped, which the operating system does at once. With
    another thread still running (a server), the usual exit, which waits for it."""
    try:
        status = main()
    except SystemExit as exc:
        status = exc.code  # type: ignore[assignment]
    if status is None:
        status = 0
    elif not isinstance(status, int):  # sys.exit("message"), as the interpreter would show it
        print(status, file=sys.stderr)
        status = 1
    if threading.active_count() > 1:
        sys.exit(status)
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":
    script()
