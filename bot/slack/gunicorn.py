"""``python -m bot serve``: the Bolt app behind gunicorn.

The master does everything that is slow or shared, once, before forking: it loads and indexes
the glossary (workers share it copy-on-write; ``gc.freeze`` keeps the collector from touching,
and so copying, those pages), migrates the schema under an advisory lock (``AUTO_MIGRATE``) or
checks it is current, checks the bot token, and prepares the Prometheus multiprocess folder.
A mistake is one line at start, not a crash loop of workers.

A worker then builds only what must not cross a fork: its store connections and its runtime
(job threads, task pool, glossary watcher). Booting one needs neither Slack nor a database
write, so a worker replacing a dead one boots even while Slack or the database is down. With
``JOB_PROCESSES`` (default 1) that many workers only perform jobs and the others only serve
requests (bot/slack/job_process.py); with 0, every worker does both, and its job threads give
way to its requests in flight (``AckPriority``, counted by the worker class:
bot/slack/priority.py), so acks come first.
On SIGTERM gunicorn stops accepting and finishes requests in flight; each worker then finishes
the jobs in hand within ``SHUTDOWN_GRACE_S`` and gives the rest back for other replicas.
"""

from __future__ import annotations

import dataclasses
import gc
import logging
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

from bot import logs, metrics
from bot.config import Settings
from bot.errors import StartupError
from bot.service import GlossaryService
from bot.slack.bootstrap import (
    build_runtime,
    check_bot_token,
    load_glossary,
    make_service,
    make_store,
    open_store,
)
from bot.slack.http_options import gunicorn_options
from bot.slack.job_process import (
    HTTP_NAME,
    JOBS_NAME,
    MASTER_NAME,
    JobWake,
    assign_role,
    job_threads,
    name_process,
    yield_on_wake,
)
from bot.slack.priority import AckPriority
from bot.slack.runtime import Runtime
from bot.slack.wsgi import WSGIApp, create_wsgi_app
from bot.store import StoreError

logger = logging.getLogger(__name__)


class _BotApplication(BaseApplication):  # type: ignore[misc]
    """A gunicorn application configured in code rather than from a config file."""

    def __init__(self, factory: Callable[[], WSGIApp], options: dict[str, Any]) -> None:
        self._factory = factory
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> WSGIApp:
        return self._factory()


def readiness(service: GlossaryService, runtime: Runtime) -> tuple[bool, dict[str, Any]]:
    """``/readyz``: the glossary is loaded, the store answers with a current schema, and Slack
    has not rejected the token. Read-only and fast: a probe must never take a write lock."""
    health = service.store.health()
    rejected = runtime.identity.rejected
    jobs: dict[str, Any] | str
    try:
        stats = service.store.job_stats(service.clock())
        jobs = {"queued": stats.queued, "running": stats.running, "failed": stats.failed}
    except StoreError:
        jobs = "unknown"
    report: dict[str, Any] = {
        "glossary": {"terms": service.term_count, "version": service.version},
        "store": health.backend,
        "store_ok": health.ok,
        "schema_current": health.schema_current,
        "slack": f"token rejected ({rejected})" if rejected else "ok",
        "jobs": jobs,
    }
    if health.detail and not health.ok:
        report["store_detail"] = health.detail
    ok = service.term_count > 0 and health.ok and health.schema_current and not rejected
    report["ok"] = ok
    return ok, report


def serve_http(settings: Settings, token: str, secret: str) -> int:
    """Run gunicorn until it is stopped (SIGTERM/SIGINT)."""
    metrics_dir = settings.metrics_dir or settings.data_dir / "metrics"
    try:  # before any metric is recorded: values are files in this folder from then on
        metrics.prepare_multiprocess_dir(metrics_dir)
    except (OSError, RuntimeError) as exc:
        setting = "PROMETHEUS_MULTIPROC_DIR" if settings.metrics_dir else "DATA_DIR"
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        raise StartupError(f"{setting}: cannot use {metrics_dir}: {reason}") from None
    glossary, version = load_glossary(settings, search_now=True)
    open_store(settings, migrate_first=settings.auto_migrate).close()
    known = None if settings.oauth else check_bot_token(settings, token)
    runtimes: list[Runtime] = []
    separate = settings.job_processes > 0
    job_wake = JobWake() if separate else None
    # Job threads in an HTTP worker give way to its requests (each worker counts its own, after
    # the fork); with job workers no process has both, so nothing counts requests.
    priority = None if separate else AckPriority()
    role = {"jobs_only": False}  # this process's, set after the fork (``post_fork``)

    def factory() -> WSGIApp:
        try:
            store = make_store(settings, gives_way=role["jobs_only"])  # acks first
        except StoreError as exc:  # the master opened it a moment ago: only a race gets here
            raise SystemExit(f"Cannot start a worker: DATABASE_URL: {exc}") from None
        service = make_service(settings, glossary, version, store)
        metrics.glossary_loaded(len(glossary), version)  # the master's own values are dropped
        wake = job_wake.signal if job_wake is not None else None
        mine = settings
        if role["jobs_only"]:
            threads = job_threads(settings.job_workers, settings.workers, settings.job_processes)
            mine = dataclasses.replace(settings, job_workers=threads)
        runtime = build_runtime(mine, service, token, known, engine=store.engine, wake=wake)
        if priority is not None:
            runtime.runner.give_way_to(priority)
        if job_wake is not None and role["jobs_only"]:
            job_wake.listen(runtime.runner.wake)
        runtimes.append(runtime.start(jobs=role["jobs_only"] or not separate))
        return create_wsgi_app(
            runtime.app,
            signing_secret=secret,
            ready=lambda: readiness(service, runtime),
            oauth=runtime.app.oauth_flow if settings.oauth else None,
        )

    def pre_fork(server: Any, worker: Any) -> None:
        assign_role(server, worker, settings.job_processes)

    def post_fork(server: Any, worker: Any) -> None:
        role["jobs_only"] = bool(getattr(worker, "jobs_only", False))
        name_process(JOBS_NAME if role["jobs_only"] else HTTP_NAME)
        if role["jobs_only"]:
            yield_on_wake()  # before its threads start: they inherit it

    def worker_exit(server: Any, worker: Any) -> None:
        for runtime in runtimes:
            runtime.stop(settings.shutdown_grace_s)

    def child_exit(server: Any, worker: Any) -> None:
        metrics.mark_process_dead(worker.pid)

    options = {
        **gunicorn_options(settings, priority),
        "workers": settings.workers + settings.job_processes,  # roles: ``pre_fork``
        "logconfig_dict": logs.gunicorn_logconfig(settings.log_level, settings.log_format),
        "proc_name": "glossary-bot",
        "control_socket_disable": True,  # no shared $HOME/.gunicorn socket between instances
        "pre_fork": pre_fork,
        "post_fork": post_fork,
        "worker_exit": worker_exit,
        "child_exit": child_exit,
    }
    name_process(MASTER_NAME)
    gc.collect()
    gc.freeze()  # the glossary's objects stay put: forked workers keep sharing their pages
    _BotApplication(factory, options).run()
    return 0
