"""gunicorn's settings for this app, read from the working directory (gunicorn's default
`-c ./gunicorn.conf.py`); the command line's flags (docs/deployment.md, section 4) come on top.

preload_app: the master imports the app and warms it up (Application.warm_up: mappers, templates,
translations) once, then forks the workers, which share those pages of memory. Without it every
worker imported the app and compiled the templates itself, about 2.5 s of CPU each, right when
the first requests came in, and a worker started in place of one that died did it again under
load. The price: a code change needs a restart of gunicorn (`systemctl restart`), not a HUP."""
import time

preload_app = True


def _warm_up(app, log) -> None:
    warm_up = getattr(app, "warm_up", None)
    if warm_up is None:  # another app (bench/hello.py)
        return
    started = time.perf_counter()
    done = warm_up()
    log.info("warmed up: %(templates)d templates, %(languages)d languages", done)
    log.info("warm-up took %.0f ms", (time.perf_counter() - started) * 1000)


def when_ready(server) -> None:
    """In the master, before the first worker is forked: with preload_app the app is loaded."""
    if server.cfg.preload_app:
        _warm_up(server.app.wsgi(), server.log)


def post_worker_init(worker) -> None:
    """With preload_app set to False here, each worker warms up before it accepts a connection."""
    if not worker.cfg.preload_app:
        _warm_up(worker.wsgi, worker.log)
