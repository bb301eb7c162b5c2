"""The worker process (`flask --app app worker`): RQ workers in threads of one process.

RQ runs one job at a time per worker, and most of a job's time is spent waiting: on the
provider's API (200 ms a call from Nepal or India), on PostgreSQL, on a photo's download. So
one process runs several SimpleWorkers in threads, their waits overlapping:
- the main thread's worker (it owns the signals: SIGTERM stops the whole process warmly);
- WORKER_THREADS more on the text queues (inbound, outbound, default): replies and alerts to
  different people go out at the same time, while one conversation's messages stay in order
  (jobs/inbound.py locks the conversation row, jobs/outbound.py takes an advisory lock per
  conversation for its sends);
- MEDIA_WORKER_THREADS on the media queue, so a slow photo never delays a text reply.
Threads, not processes: one app, one set of connection pools and one periodic thread, and the
memory does not multiply. A worker that stops on an error (Redis gone) is replaced after a
pause that grows while it keeps failing; the sweeper re-enqueues whatever was lost meanwhile.
"""
from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from flask import Flask

from jobs import runner, schedule
from market import tasks
from market.redis import redis_connection

log = logging.getLogger(__name__)
# A worker that stopped on an error is replaced after a pause that doubles while it keeps
# failing (Redis still down), from the first number to the second; it starts again from the
# first once a worker has run for RESTART_RESET_SECONDS.
RESTART_PAUSE_SECONDS = (1.0, 30.0)
RESTART_RESET_SECONDS = 60.0


def run(app: Flask, burst: bool, scheduler: bool, processes: int | None = None) -> None:
    """Work every queue until a signal stops the process (or, in burst mode, until they are
    empty); with `scheduler`, also run the periodic duties in a thread. With more than one
    process, the others are started as copies of this command (no scheduler of their own)."""
    wanted = app.config["WORKER_PROCESSES"] if processes is None else processes
    children = None if burst else Children(max(0, (wanted or os.cpu_count() or 1) - 1))
    try:
        _run_here(app, burst, scheduler)
    finally:
        if children is not None:
            children.stop()


def _run_here(app: Flask, burst: bool, scheduler: bool) -> None:
    runner.set_worker_app(app)
    stop_schedule = schedule.start_scheduler(app) if scheduler else None
    text = [tasks.rq_queue(name, app) for name in tasks.QUEUES if name != tasks.MEDIA]
    media = [tasks.rq_queue(tasks.MEDIA, app)]
    connection = redis_connection(app)
    threads = [] if burst else (
        [WorkerThread(text, connection, f"text-{n}")
         for n in range(int(app.config["WORKER_THREADS"]))]
        + [WorkerThread(media, connection, f"media-{n}")
           for n in range(max(1, int(app.config["MEDIA_WORKER_THREADS"])))])
    try:
        for thread in threads:
            thread.start()
        if burst:
            _burst(text, media, connection)
        else:
            # The main thread's worker works every queue, text first, and takes the signals.
            work_until_stopped(lambda: _worker(text + media, connection, threaded=False),
                               burst=False, with_scheduler=True, logging_level="INFO")
    finally:
        for thread in threads:
            thread.stopping.set()
        for thread in threads:
            thread.stop()
        if stop_schedule is not None:
            stop_schedule.set()


def _burst(text: list[Any], media: list[Any], connection: Any) -> None:
    """Burst: the text queues, then the photos, then the replies they hand back, until
    nothing is left."""
    while True:
        for queues in (text, media):
            work_until_stopped(lambda q=queues: _worker(q, connection, threaded=False),
                               burst=True, logging_level="INFO")
        if not any(queue.count for queue in text + media):
            return


def _worker(queues: Sequence[Any], connection: Any, threaded: bool,
            stopping: threading.Event | None = None) -> Any:
    """A SimpleWorker (jobs run in this process: no fork per job, and the engine's connection
    pools stay valid). In a thread, RQ's SIGALRM job timeout cannot work (signals reach only the
    main thread): a timer stops an overlong job there instead, and the thread's worker installs
    no signal handlers; it checks `stopping` after each job, so the job in hand is finished."""
    from rq import SimpleWorker
    from rq.exceptions import StopRequested
    from rq.timeouts import TimerDeathPenalty

    if not threaded:
        return SimpleWorker(list(queues), connection=connection)

    class ThreadWorker(SimpleWorker):
        death_penalty_class = TimerDeathPenalty

        def __init__(self) -> None:
            super().__init__(list(queues), connection=connection)
            self.busy = threading.Lock()

        def _install_signal_handlers(self) -> None:
            pass  # SIGTERM is the main thread's worker's

        def execute_job(self, job: Any, queue: Any) -> None:
            with self.busy:
                super().execute_job(job, queue)
            if stopping is not None and stopping.is_set():
                raise StopRequested()

    return ThreadWorker()


def work_until_stopped(make_worker: Callable[[], Any], burst: bool, **work_args: Any) -> None:
    """Run `make_worker().work(burst, **work_args)` until it stops on request (SIGTERM/SIGINT)
    or, in burst mode, runs out of jobs.

    RQ gives up on most Redis errors: its loop logs "unhandled exception, quitting" and
    returns, or raises from its own teardown. Either way a new worker (a new name: the old one
    may still be registered) is started after a pause, so an outage never ends the process;
    its periodic thread keeps running meanwhile and the sweeper re-enqueues what was lost.
    """
    restarts = Restarts()
    while True:
        started = time.monotonic()
        rq_worker = None
        try:
            rq_worker = make_worker()  # which talks to Redis already
            rq_worker.work(burst=burst, **work_args)
        except Exception:
            if burst:
                raise
            log.exception("the RQ worker stopped on an error")
        else:
            # RQ records a warm shutdown (a signal) here; nothing public says why work() ended.
            if burst or getattr(rq_worker, "_shutdown_requested_date", None) is not None:
                return
            log.error("the RQ worker stopped on an error")
        _discard(rq_worker)
        pause = restarts.pause_after(started)
        log.warning("starting a new RQ worker in %.0f s", pause)
        if threading.current_thread() is threading.main_thread():
            # No job runs during the pause: a signal now simply ends the process (RQ's
            # handlers, still installed, would talk to the Redis that is gone).
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
        time.sleep(pause)


class Restarts:
    """The pause before a worker that stopped on an error is replaced: it doubles while the
    workers keep failing (Redis still down), within RESTART_PAUSE_SECONDS, and starts again
    from the first once a worker has run for RESTART_RESET_SECONDS."""

    def __init__(self) -> None:
        self._next = RESTART_PAUSE_SECONDS[0]

    def pause_after(self, started: float) -> float:
        """The pause after a worker that began at `started` (time.monotonic()) stopped."""
        if time.monotonic() - started > RESTART_RESET_SECONDS:
            self._next = RESTART_PAUSE_SECONDS[0]
        pause = self._next
        self._next = min(pause * 2, RESTART_PAUSE_SECONDS[1])
        return pause


def _discard(rq_worker: Any) -> None:
    """Stop what a failed worker leaves running: its teardown never got to its pub/sub thread
    (the channel for `rq` commands), which would otherwise retry forever."""
    thread = getattr(rq_worker, "pubsub_thread", None)
    if thread is not None:
        thread.stop()


class WorkerThread:
    """A SimpleWorker on `queues` in a daemon thread, replaced after a pause when RQ gives up on
    an error (as work_until_stopped does for the main one, minus signals: a thread has none)."""

    # How long stopping waits for the job in hand: RQ's job timeout, and a little more.
    STOP_WAIT_SECONDS = 125.0

    def __init__(self, queues: Sequence[Any], connection: Any, name: str) -> None:
        self.queues, self.connection = queues, connection
        self.stopping = threading.Event()
        self.worker: Any = None
        self.thread = threading.Thread(target=self._run, name=f"worker-{name}", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        restarts = Restarts()
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                self.worker = _worker(self.queues, self.connection, threaded=True,
                                      stopping=self.stopping)
                self.worker.work(logging_level="WARNING")
            except Exception:
                log.exception("%s: the RQ worker stopped on an error", self.thread.name)
            if self.stopping.is_set():
                return
            _discard(self.worker)
            pause = restarts.pause_after(started)
            log.error("%s: the RQ worker stopped; a new one in %.0f s", self.thread.name, pause)
            self.stopping.wait(pause)

    def stop(self) -> None:
        """Let the job in hand finish, then leave: the thread, idle in Redis's blocking pop,
        ends with the process (a job it takes meanwhile is left to RQ's and our sweeper's
        recovery: messages stay unprocessed, outbox rows unsent, until swept)."""
        self.stopping.set()
        rq_worker = self.worker
        if rq_worker is None:
            return
        if rq_worker.busy.acquire(timeout=self.STOP_WAIT_SECONDS):
            rq_worker.busy.release()
        with contextlib.suppress(Exception):
            rq_worker.register_death()


class Children(list[subprocess.Popen[bytes]]):
    """More worker processes, copies of this command, so the jobs' Python work (one core per
    process: the threads of one share its interpreter lock) uses every core. They stay in this
    process's group (a kill of the group stops them all), are restarted when one dies, and are
    stopped warmly (SIGTERM, as RQ expects) when this one stops."""

    RESTART_PAUSE_SECONDS = 5.0

    def __init__(self, count: int) -> None:
        super().__init__()
        self.stopping = threading.Event()
        self.command = [sys.executable, "-m", "flask", "--app", "app", "worker",
                        "--no-scheduler", "--processes", "1"]
        for _ in range(count):
            self.append(self._start())
        if count:
            threading.Thread(target=self._watch, name="worker-children", daemon=True).start()

    def _start(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(self.command, env=os.environ.copy())  # noqa: S603 (ourselves)

    def _watch(self) -> None:
        while not self.stopping.wait(self.RESTART_PAUSE_SECONDS):
            for index, child in enumerate(self):
                if child.poll() is not None and not self.stopping.is_set():
                    log.error("worker process %s ended (%s); starting another", child.pid,
                              child.returncode)
                    self[index] = self._start()

    def stop(self) -> None:
        self.stopping.set()
        for child in self:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in self:
            try:
                child.wait(timeout=WorkerThread.STOP_WAIT_SECONDS)
            except subprocess.TimeoutExpired:
                child.kill()
