"""The durable-work half of the ``Store`` contract, on every backend: jobs are deduplicated,
claimed by exactly one worker under a lease, taken over when a worker dies, and only the
lease holder may finish, fail or give back its job."""

from __future__ import annotations

import threading

from bot.store import Store
from bot.store.base import JobStats, NewJob, Pruned
from tests.store.helpers import run_together

LEASE = 30.0
DAY = 24 * 3600.0


def explain(n: int, dedupe_key: str | None = None) -> NewJob:
    return NewJob("explain", {"channel": "C1", "terms": ["EQL"], "n": n}, dedupe_key)


def test_jobs_are_claimed_oldest_first_with_their_payload(store: Store) -> None:
    assert store.enqueue([explain(1), explain(2), explain(3)], now=100.0) == 3

    first = store.claim_jobs(2, now=101.0, lease_s=LEASE, max_attempts=5)
    second = store.claim_jobs(2, now=101.0, lease_s=LEASE, max_attempts=5)

    assert [(j.id, j.kind, j.payload, j.attempts) for j in first + second] == [
        (1, "explain", {"channel": "C1", "terms": ["EQL"], "n": 1}, 1),
        (2, "explain", {"channel": "C1", "terms": ["EQL"], "n": 2}, 1),
        (3, "explain", {"channel": "C1", "terms": ["EQL"], "n": 3}, 1),
    ]
    assert len({j.lease for j in first + second}) == 3
    assert store.claim_jobs(2, now=101.0, lease_s=LEASE, max_attempts=5) == []
    assert store.claim_jobs(0, now=101.0, lease_s=LEASE, max_attempts=5) == []


def test_a_repeated_dedupe_key_is_not_queued_again_even_after_the_job_is_done(
    store: Store,
) -> None:
    assert store.enqueue([explain(1, "event:Ev1"), explain(2, "event:Ev1")], now=100.0) == 1
    assert store.enqueue([explain(3, "event:Ev1"), explain(4, "event:Ev2")], now=101.0) == 1
    assert store.enqueue([explain(5), explain(5)], now=102.0) == 2  # no key, no dedupe
    jobs = store.claim_jobs(10, now=103.0, lease_s=LEASE, max_attempts=5)
    assert [j.payload["n"] for j in jobs] == [1, 4, 5, 5]

    assert store.finish_job(jobs[0], now=104.0) is True
    assert store.enqueue([explain(6, "event:Ev1")], now=105.0) == 0  # a late Slack retry


def test_eight_threads_claiming_together_never_get_the_same_job(store: Store) -> None:
    store.enqueue([explain(n) for n in range(40)], now=100.0)
    lock = threading.Lock()
    taken: list[int] = []

    def drain() -> int:
        calls = 0
        while batch := store.claim_jobs(3, now=101.0, lease_s=LEASE, max_attempts=5):
            calls += 1
            with lock:
                taken.extend(job.id for job in batch)
        return calls

    run_together(8, drain)
    assert sorted(taken) == list(range(1, 41))


def test_a_job_whose_lease_ended_is_taken_over_and_the_old_owner_changes_nothing(
    store: Store,
) -> None:
    store.enqueue([explain(1)], now=100.0)
    [dead] = store.claim_jobs(1, now=100.0, lease_s=LEASE, max_attempts=5)
    assert store.claim_jobs(1, now=129.5, lease_s=LEASE, max_attempts=5) == []

    [taker] = store.claim_jobs(1, now=130.0, lease_s=LEASE, max_attempts=5)

    assert (taker.id, taker.attempts) == (dead.id, 2)
    assert taker.lease != dead.lease
    assert store.finish_job(dead, now=131.0) is False
    assert store.fail_job(dead, "too late", now=131.0) is False
    assert store.release_jobs([dead], now=131.0) == 0
    assert store.job_stats(131.0) == JobStats(queued=0, running=1, failed=0, oldest_queued_s=0.0)
    assert store.finish_job(taker, now=132.0) is True
    assert store.job_stats(132.0) == JobStats(queued=0, running=0, failed=0, oldest_queued_s=0.0)


def test_an_end_queued_for_later_rides_in_the_next_write_or_is_written_when_asked(
    store: Store,
) -> None:
    store.enqueue([explain(1), explain(2), explain(3)], now=100.0)
    first, second = store.claim_jobs(2, now=100.0, lease_s=LEASE, max_attempts=5)
    carried = store.finish_job_later(first, now=101.0)
    [third] = store.claim_jobs(1, now=101.0, lease_s=LEASE, max_attempts=5)  # a write: it rides
    assert carried.ended is True
    assert carried.outcome() is True
    assert store.job_stats(101.0) == JobStats(queued=0, running=2, failed=0, oldest_queued_s=0.0)
    asked = store.finish_job_later(second, now=102.0)
    assert asked.outcome() is True  # nothing carried it: asking wrote it
    assert store.job_stats(102.0) == JobStats(queued=0, running=1, failed=0, oldest_queued_s=0.0)
    assert store.finish_job_later(second, now=103.0).outcome() is False  # it was ours no more
    assert third.id == 3


def test_an_enqueue_queued_for_later_is_stored_once_its_outcome_is_known(store: Store) -> None:
    first = store.enqueue_later([explain(1, "event:Ev1"), explain(2)], now=100.0)
    again = store.enqueue_later([explain(3, "event:Ev1")], now=100.0)
    assert (first.outcome(), again.outcome(), first.ended, again.ended) == (2, 0, True, True)
    assert store.enqueue_later([], now=100.0).outcome() == 0
    assert store.job_stats(100.0) == JobStats(queued=2, running=0, failed=0, oldest_queued_s=0.0)
    assert [j.payload["n"] for j in store.claim_jobs(5, 100.0, LEASE, max_attempts=5)] == [1, 2]


def test_a_job_that_used_its_attempts_is_failed_instead_of_claimed(store: Store) -> None:
    store.enqueue([explain(1)], now=100.0)
    assert [j.attempts for j in store.claim_jobs(1, 100.0, LEASE, max_attempts=2)] == [1]
    assert [j.attempts for j in store.claim_jobs(1, 130.0, LEASE, max_attempts=2)] == [2]
    store.enqueue([explain(2)], now=150.0)

    # Job 1's second lease ends at 160: it is given up, and job 2 is claimed in its place.
    claimed = store.claim_jobs(1, now=160.0, lease_s=LEASE, max_attempts=2)

    assert [(j.id, j.attempts) for j in claimed] == [(2, 1)]
    assert store.job_stats(160.0) == JobStats(queued=0, running=1, failed=1, oldest_queued_s=0.0)
    # Given up is final: a later claim with more attempts allowed still skips job 1.
    assert [j.id for j in store.claim_jobs(5, now=500.0, lease_s=LEASE, max_attempts=9)] == [2]


def test_a_failed_job_is_kept_for_operators_and_never_claimed(store: Store) -> None:
    store.enqueue([explain(1)], now=100.0)
    [job] = store.claim_jobs(1, now=100.0, lease_s=LEASE, max_attempts=5)

    assert store.fail_job(job, "channel_not_found", now=101.0) is True

    assert store.finish_job(job, now=102.0) is False
    assert store.claim_jobs(1, now=1000.0, lease_s=LEASE, max_attempts=5) == []
    assert store.job_stats(1000.0) == JobStats(queued=0, running=0, failed=1, oldest_queued_s=0.0)


def test_released_jobs_are_claimable_at_once_and_the_attempt_is_not_counted(
    store: Store,
) -> None:
    store.enqueue([explain(1), explain(2)], now=100.0)
    claimed = store.claim_jobs(2, now=100.0, lease_s=LEASE, max_attempts=5)

    assert store.release_jobs(claimed, now=101.0) == 2
    assert store.release_jobs(claimed, now=101.0) == 0  # already given back

    again = store.claim_jobs(5, now=101.0, lease_s=LEASE, max_attempts=5)
    assert [(j.id, j.attempts) for j in again] == [(1, 1), (2, 1)]


def test_job_stats_count_each_status_and_the_oldest_queued_age(store: Store) -> None:
    assert store.job_stats(100.0) == JobStats(queued=0, running=0, failed=0, oldest_queued_s=0.0)
    store.enqueue([explain(1)], now=100.0)
    store.enqueue([explain(2), explain(3)], now=150.0)
    store.enqueue([explain(4)], now=160.0)
    running, failing = store.claim_jobs(2, now=170.0, lease_s=LEASE, max_attempts=5)
    store.fail_job(failing, "boom", now=171.0)

    assert store.job_stats(200.0) == JobStats(queued=2, running=1, failed=1, oldest_queued_s=50.0)
    assert running.payload["n"] == 1


def test_prune_deletes_failed_jobs_after_retention_only(store: Store) -> None:
    store.enqueue([explain(1, "click:1"), explain(2), explain(3)], now=DAY)
    failed, released, _running = store.claim_jobs(3, DAY, LEASE, max_attempts=5)
    store.fail_job(failed, "boom", now=DAY + 1)
    store.release_jobs([released], now=DAY + 1)

    pruned = store.prune(40 * DAY, cooldown_s=3600.0, retention_s=30 * DAY)

    assert pruned == Pruned(events=1, jobs=1)  # the dedupe key and the failed job
    assert store.job_stats(40 * DAY) == JobStats(
        queued=1, running=1, failed=0, oldest_queued_s=39 * DAY
    )


def test_a_renewed_lease_keeps_the_job_from_being_taken_over(store: Store) -> None:
    store.enqueue([explain(1), explain(2)], now=100.0)
    held = store.claim_jobs(2, now=100.0, lease_s=LEASE, max_attempts=5)

    assert store.renew_jobs(held, now=120.0, lease_s=LEASE) == [1, 2]  # until 150
    assert store.claim_jobs(2, now=140.0, lease_s=LEASE, max_attempts=5) == []  # 130 passed
    assert store.renew_jobs(list(reversed(held)), now=145.0, lease_s=LEASE) == [1, 2]
    assert store.claim_jobs(2, now=174.5, lease_s=LEASE, max_attempts=5) == []
    assert store.renew_jobs([], now=174.5, lease_s=LEASE) == []

    # Renewals stop (the worker died): the last lease ends at 175 and the jobs are taken over.
    taken = store.claim_jobs(2, now=175.0, lease_s=LEASE, max_attempts=5)
    assert [(j.id, j.attempts) for j in taken] == [(1, 2), (2, 2)]
    assert store.finish_job(held[0], now=176.0) is False


def test_a_lost_lease_is_not_renewed_and_the_new_holders_lease_is_left_alone(
    store: Store,
) -> None:
    store.enqueue([explain(1), explain(2), explain(3), explain(4), explain(5)], now=100.0)
    held = store.claim_jobs(5, now=100.0, lease_s=LEASE, max_attempts=5)
    finished, failed, released, _kept, _late = held
    store.finish_job(finished, now=101.0)
    store.fail_job(failed, "channel_not_found", now=101.0)
    store.release_jobs([released], now=101.0)
    [taker] = store.claim_jobs(1, now=131.0, lease_s=LEASE, max_attempts=5)  # 3, given back

    # Job 4 and 5's lease ended at 130 unrenewed; until someone claims them they are still ours.
    assert taker.id == 3
    assert store.renew_jobs(held, now=131.0, lease_s=LEASE) == [4, 5]

    # The taker's lease (until 161) was not extended by the old holder's renewal.
    again = store.claim_jobs(5, now=161.0, lease_s=LEASE, max_attempts=5)
    assert [(j.id, j.attempts) for j in again] == [(3, 2), (4, 2), (5, 2)]
    assert store.renew_jobs(held, now=162.0, lease_s=LEASE) == []
    assert store.job_stats(162.0) == JobStats(queued=0, running=3, failed=1, oldest_queued_s=0.0)


def test_a_renewal_racing_take_overs_never_keeps_a_job_another_worker_got(store: Store) -> None:
    store.enqueue([explain(n) for n in range(20)], now=100.0)
    held = store.claim_jobs(20, now=100.0, lease_s=LEASE, max_attempts=5)
    roles = iter(["renew"] + ["claim"] * 5)
    lock = threading.Lock()

    def race() -> tuple[str, list[int]]:
        with lock:
            role = next(roles)
        if role == "renew":  # the holder's heartbeat, late: the leases ended at 130
            return role, store.renew_jobs(held, now=140.0, lease_s=LEASE)
        taken: list[int] = []
        while batch := store.claim_jobs(2, now=140.0, lease_s=LEASE, max_attempts=5):
            taken.extend(job.id for job in batch)
        return role, taken

    results = run_together(6, race)
    renewed = {n for role, ids in results if role == "renew" for n in ids}
    taken = [n for role, ids in results if role == "claim" for n in ids]
    assert sorted([*renewed, *taken]) == list(range(1, 21))  # each job has exactly one holder
    assert sorted(store.renew_jobs(held, now=141.0, lease_s=LEASE)) == sorted(renewed)
