"""Jobs per second of the two Redis job queues the issue names, on Redis at 127.0.0.1:6379.

    .venv/bin/python -m bench.jobs [--jobs 2000] [--redis redis://127.0.0.1:6379/13]

Each library gets the same work: `--jobs` no-op jobs enqueued, then one worker process drains
the queue; the figure is jobs done per second of draining (enqueueing is timed separately).
- dramatiq: one worker with 8 threads (dramatiq's default per process), Redis broker;
- rq, Worker: rq's default worker, which forks a work horse per job;
- rq, SimpleWorker: no fork, one job after another in the worker process.
Keys live under their own namespace in the given database and are removed afterwards."""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

NAMESPACE = "scc-bench-jobs"


def noop(*args) -> None:
    return None


def _dramatiq_broker(url: str):
    from dramatiq.brokers.redis import RedisBroker

    return RedisBroker(url=url, namespace=NAMESPACE)


def bench_dramatiq(url: str, count: int) -> tuple[float, float]:
    import dramatiq

    broker = _dramatiq_broker(url)
    dramatiq.set_broker(broker)
    actor = dramatiq.actor(noop, actor_name="bench_noop", queue_name="bench", max_retries=0)
    started = time.perf_counter()
    for i in range(count):
        actor.send(i)
    enqueued = time.perf_counter() - started
    worker = subprocess.Popen([sys.executable, "-m", "bench.jobs", "--drain-dramatiq", url, "--jobs", str(count)])
    worker.wait()
    with open(_result_file("dramatiq")) as result:
        seconds = float(result.read())
    _clean(broker.client)
    return count / enqueued, count / seconds


def _drain_dramatiq(url: str, count: int) -> None:
    import dramatiq
    from dramatiq import Worker

    broker = _dramatiq_broker(url)
    dramatiq.set_broker(broker)
    dramatiq.actor(noop, actor_name="bench_noop", queue_name="bench", max_retries=0)
    queue_key = f"{NAMESPACE}:bench"
    started = time.perf_counter()
    worker = Worker(broker, worker_threads=8, worker_timeout=100)
    worker.start()
    while broker.client.llen(queue_key) or broker.client.hlen(f"{queue_key}.msgs"):
        time.sleep(0.005)
    seconds = time.perf_counter() - started
    worker.stop()
    with open(_result_file("dramatiq"), "w") as result:
        result.write(str(seconds))


def bench_rq(url: str, count: int, simple: bool) -> tuple[float, float]:
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(url)
    queue = Queue(f"{NAMESPACE}-rq", connection=connection)
    started = time.perf_counter()
    for i in range(count):
        queue.enqueue("bench.jobs.noop", i, result_ttl=0)
    enqueued = time.perf_counter() - started
    worker_class = "rq.worker.SimpleWorker" if simple else "rq.worker.Worker"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "rq.cli", "worker", "--burst", "--quiet", "--url", url,
                    "--worker-class", worker_class, queue.name], check=True, env={**os.environ, "PYTHONPATH": os.getcwd()})
    seconds = time.perf_counter() - started
    queue.delete(delete_jobs=True)
    _clean(connection, "rq:")
    return count / enqueued, count / seconds


def _clean(client, prefix: str = NAMESPACE) -> None:
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


def _result_file(name: str) -> str:
    return f"/tmp/scc-bench-jobs-{name}-{os.getuid()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"))
    parser.add_argument("--drain-dramatiq", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drain_dramatiq:
        _drain_dramatiq(args.drain_dramatiq, args.jobs)
        return
    print(f"{args.jobs} no-op jobs, Redis {args.redis}")
    for name, run in (("dramatiq (1 process, 8 threads)", lambda: bench_dramatiq(args.redis, args.jobs)),
                      ("rq Worker (fork per job)", lambda: bench_rq(args.redis, args.jobs, simple=False)),
                      ("rq SimpleWorker (no fork)", lambda: bench_rq(args.redis, args.jobs, simple=True))):
        enqueue_rate, work_rate = run()
        print(f"{name:34} enqueue {enqueue_rate:8.0f}/s   done {work_rate:8.0f}/s")


if __name__ == "__main__":
    main()
