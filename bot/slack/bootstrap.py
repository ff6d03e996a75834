"""The one start-up path: settings → glossary → store → service → Slack runtime.

Every mode (``serve``, ``socket``, ``console``, ``migrate``) is assembled from these steps, in
this order, and nothing listens before all of them succeeded. Each failure is a ``StartupError``
with one line that names the setting to fix; the runner prints it and exits 2.

Slow or shared work happens once per process tree, before any fork: loading and indexing the
glossary, migrating the schema (under an advisory lock, so replicas starting together never
race), and checking the bot token. What must not cross a fork — database connections and
threads — is built per process by ``build_runtime``.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import WebClient
from sqlalchemy import Engine

from bot import metrics
from bot.config import Settings
from bot.errors import StartupError
from bot.gc_pause import gc_paused
from bot.logs import Throttled
from bot.release_memory import release_free_memory
from bot.reload import GlossaryWatcher, glossary_version
from bot.service import GlossaryService, Policy
from bot.slack.app import (
    REJECTED,
    BotIdentity,
    Identity,
    RequestAuthorize,
    build_app,
    make_client,
)
from bot.slack.dispatch import ENQUEUE_THREADS, Dispatcher
from bot.slack.failures import Failed
from bot.slack.jobs import JobRunner
from bot.slack.notices import Announcer, governance_notices
from bot.slack.oauth import oauth_mode
from bot.slack.perform import Performer
from bot.slack.runtime import Runtime, Upkeep
from bot.slack.tokens import InstalledTokens
from bot.slack.web_client import connection_pool
from bot.store import RememberingStore, SqlStore, Store, StoreError, migrate
from bot.store.base import Workspace
from bot.terms import Glossary, GlossaryError
from bot.terms.loader import iter_problems

logger = logging.getLogger(__name__)
throttled = Throttled(logger)
T = TypeVar("T")

DATABASE_RETRY_S = (0.5, 1.0, 2.0, 4.0, 8.0)
"""Back-off while the database is unreachable at start (about 15 s in all), e.g. a Postgres
container that starts at the same time as the bot."""
FINAL = (
    "not a SQLAlchemy URL",
    "password authentication",
    "does not exist",
    "No module named",
    "unable to open database file",
)
"""Database errors that no waiting will fix."""
TASK_THREADS = 4


# -- glossary -------------------------------------------------------------------------------
def load_glossary(settings: Settings, *, search_now: bool = False) -> tuple[Glossary, str]:
    """Load, validate and index the glossary; print every problem and stop if it is broken.

    The full-text search index (the Home tab's box) is built on a thread unless ``search_now``:
    a process about to fork builds it first, so its children share it instead of each building
    one (and none inherits a lock held mid-build).
    """
    path = settings.glossary_path
    version = glossary_version(path) if path.exists() else ""
    try:
        glossary = _build_glossary(path, settings.cache_dir)
    except GlossaryError as exc:
        for line in iter_problems(exc.problems):
            print(line, file=sys.stderr)
        raise StartupError(
            f"GLOSSARY_PATH: the glossary at {path} has {len(exc.problems)} problem(s); "
            "fix them and restart"
        ) from None
    if search_now:
        _index_for_search(glossary)
    else:
        threading.Thread(
            target=_index_for_search, args=(glossary,), name="search-index", daemon=True
        ).start()
    metrics.glossary_loaded(len(glossary), version)
    logger.info("glossary %s loaded: %d terms from %s", version, len(glossary), path)
    return glossary, version


def _index_for_search(glossary: Glossary) -> None:
    """Build the search index, then give the transient memory of the whole load back to the
    system (bot.release_memory): ~40 MB at 100k terms that every forked worker would inherit."""
    glossary.build_search_index()
    release_free_memory()


def _build_glossary(path: Path, cache_dir: Path) -> Glossary:
    """A warmed glossary; the cyclic GC is paused meanwhile (a big, long-lived object graph)."""
    try:
        with gc_paused():
            return Glossary.from_path(path, cache_dir).warm()
    except OSError as exc:
        raise StartupError(f"GLOSSARY_PATH: cannot read {path}: {exc.strerror}") from None


# -- store ----------------------------------------------------------------------------------
def run_migrations(settings: Settings) -> str:
    """``python -m bot migrate``: bring the schema up to date (idempotent, replica-safe)."""
    return _with_database_retry(
        settings,
        lambda: migrate.upgrade(
            settings.database_url, connect_timeout_s=settings.database_connect_timeout_s
        ),
    )


def open_store(settings: Settings, *, migrate_first: bool) -> SqlStore:
    """The production store, reachable and with a current schema, or a one-line StartupError.

    ``migrate_first`` (``AUTO_MIGRATE``) upgrades the schema first; otherwise an old schema
    stops start-up with the command to run. Opening a store never writes, so a worker that
    boots while another process holds a write lock is not held up.
    """
    if migrate_first:
        logger.info("database: %s", run_migrations(settings))

    def connect() -> SqlStore:
        store = make_store(settings)
        health = store.health()
        if not health.ok:
            store.close()
            raise StoreError(health.detail or "the database did not answer")
        if not health.schema_current:
            store.close()
            raise StartupError(
                "DATABASE_URL: the database schema is out of date; run `python -m bot migrate` "
                "(or set AUTO_MIGRATE=true)"
            )
        return store

    return _with_database_retry(settings, connect)


def make_store(settings: Settings, *, gives_way: bool = False) -> SqlStore:
    """The store with the configured pool and timeouts; opening it neither connects nor writes.
    ``gives_way``: a process whose writes can wait for the acks' (``SqlStore``)."""
    return SqlStore(
        settings.database_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        connect_timeout_s=settings.database_connect_timeout_s,
        statement_timeout_s=settings.database_statement_timeout_s,
        gives_way=gives_way,
    )


def _with_database_retry(settings: Settings, attempt: Callable[[], T]) -> T:
    for delay in (*DATABASE_RETRY_S, None):
        try:
            return attempt()
        except StoreError as exc:
            reason = str(exc)
            if delay is None or any(marker in reason for marker in FINAL):
                raise StartupError(f"DATABASE_URL: cannot open the state store: {reason}") from None
            logger.warning("database not reachable (%s); retrying in %.1f s", reason, delay)
            time.sleep(delay)
    raise AssertionError("unreachable")


def policy_from(settings: Settings) -> Policy:
    """The one mapping from settings to the explanation policy."""
    return Policy(
        cooldown_s=settings.explain_cooldown_s,
        max_terms=settings.explain_max_terms,
        in_channels=settings.explain_in_channels,
        in_slack_connect=settings.explain_in_slack_connect,
    )


def make_service(
    settings: Settings, glossary: Glossary, version: str, store: Store
) -> GlossaryService:
    policy = policy_from(settings)
    service = GlossaryService(glossary, RememberingStore(store), policy, version=version)
    governed = not settings.oauth or settings.governance_team is not None
    service.governance.configure(  # OAuth without GOVERNANCE_TEAM: no token posts for review
        maintainers=settings.glossary_maintainers,
        suggestions_channel=settings.suggestions_channel if governed else None,
        governance_team=settings.governance_team,
    )
    return service


# -- Slack ----------------------------------------------------------------------------------
def check_bot_token(settings: Settings, token: str) -> BotIdentity | None:
    """auth.test once: a rejected token stops start-up; an unreachable Slack does not (the
    identity is then fetched in the background, and requests are served meanwhile)."""
    try:
        return Identity.fetch(make_client(token, settings.slack_api_url))
    except SlackApiError as exc:
        error = str(exc.response.get("error", "unknown_error"))
        if error in REJECTED:
            raise StartupError(f"SLACK_BOT_TOKEN: Slack refused the bot token ({error})") from None
        logger.warning("auth.test failed (%s); carrying on, will retry", error)
    except (SlackClientError, OSError) as exc:
        reason = " ".join(str(exc).split())[:200]
        logger.warning("cannot reach Slack at %s (%s); will retry", settings.slack_api_url, reason)
    return None


def build_runtime(
    settings: Settings,
    service: GlossaryService,
    token: str,
    known: BotIdentity | None,
    *,
    client: WebClient | None = None,
    background: bool = True,
    engine: Engine | None = None,
    wake: Callable[[], None] | None = None,
) -> Runtime:
    """Everything one process runs; ``background=False`` (the console) runs work inline.
    ``wake``: what an enqueue signals (default: this process's job threads).

    Token mode (``token``): one workspace, one client. OAuth mode (``settings.oauth``, with the
    store's ``engine``): each workspace's own installation, looked up per job.
    """
    identity = Identity(known)
    store = service.store
    if settings.oauth and engine is not None:
        mode = oauth_mode(settings, engine, make_client(None, settings.slack_api_url))
        # Bolt's OAuth flow serves the install pages; requests are authorized without I/O.
        tokens = mode.tokens
        auth = {
            **mode.app_kwargs(),
            "authorize": RequestAuthorize(lambda workspace: tokens.find(workspace) is not None),
        }
        clients = _installed_clients(settings, tokens)
        service.on_forget = tokens.forget

        def token_error(workspace: Workspace, error: str) -> None:
            """One installation's token died: forget it (not the whole process's readiness)."""
            if error in REJECTED:
                tokens.forget(workspace)
    else:
        single = client or make_client(token, settings.slack_api_url)
        if known is None and background:
            identity.fetch_in_background(single)
        auth = {"authorize": identity.authorizer()}

        def clients(workspace: Workspace) -> WebClient:
            return single

        def token_error(workspace: Workspace, error: str) -> None:
            identity.token_error(error)  # the one token: readiness must say so

    performer = Performer(service, clients, token_error=token_error)
    runner = JobRunner(
        store,
        performer,
        threads=settings.job_workers,
        lease_s=settings.job_lease_s,
        max_attempts=settings.job_max_attempts,
    )
    tasks = ThreadPoolExecutor(TASK_THREADS, thread_name_prefix="task") if background else None
    enqueuer = (
        ThreadPoolExecutor(ENQUEUE_THREADS, thread_name_prefix="enqueue") if background else None
    )
    dispatcher = Dispatcher(store, performer, tasks, wake=wake or runner.wake, enqueuer=enqueuer)
    app = build_app(service, dispatcher, auth, base_url=settings.slack_api_url)
    reminders, announcer = (
        governance_notices(settings, service, clients) if background else (None, None)
    )
    watcher = None
    if background and settings.glossary_reload_s > 0:
        watcher = _watcher(settings, service, announcer)
    upkeep = None
    if background:
        upkeep = Upkeep(
            store,
            cooldown_s=service.policy.cooldown_s,
            retention_s=settings.retention_days * 86400.0,
            chores=[reminders] if reminders is not None else (),
        )
    return Runtime(app, dispatcher, runner, identity, tasks, watcher, upkeep)


def _installed_clients(
    settings: Settings, tokens: InstalledTokens
) -> Callable[[Workspace], WebClient]:
    """A client per workspace with its installation's bot token (cached per token)."""
    cache: dict[str, WebClient] = {}
    pool = connection_pool()  # one set of kept-alive connections for every workspace's client

    def client_for(workspace: Workspace) -> WebClient:
        token = tokens.bot_token(workspace)
        if token is None:
            throttled.warning(
                ("not_installed", workspace.key), "no installation for %s", workspace.key
            )
            raise Failed("not_installed")
        if token not in cache:
            if len(cache) > 10_000:
                cache.clear()
            cache[token] = make_client(token, settings.slack_api_url, pool=pool)
        return cache[token]

    return client_for


def _watcher(
    settings: Settings, service: GlossaryService, announce: Announcer | None = None
) -> GlossaryWatcher:
    def load() -> Glossary:
        glossary = _build_glossary(settings.glossary_path, settings.cache_dir)
        glossary.build_search_index()
        return glossary

    def swap(glossary: Glossary, version: str) -> None:
        before = service.glossary
        service.swap(glossary, version)
        metrics.glossary_loaded(len(glossary), version)
        if announce is not None:  # after the swap: never delays the new glossary; never raises
            announce(before.terms, glossary.terms, version)

    def first_to_report(version: str) -> bool:
        """One process of all replicas logs a broken edit's problems (a store claim)."""
        try:
            return service.store.claim_once(f"glossary-broken:{version}", time.time())
        except StoreError:
            return True  # without the store, better twice than never

    return GlossaryWatcher(
        settings.glossary_path,
        interval_s=settings.glossary_reload_s,
        load=load,
        on_change=swap,
        version=service.version,
        report=first_to_report,
    )
