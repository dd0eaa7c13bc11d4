"""Benchmark: course validation and import time, demo course and a generated course 10× its size.

    .venv/bin/python -m bench.import_courses [--database-url URL] [--repeat 3]

Without --database-url each run uses a fresh SQLite file. Prints a Markdown table for
docs/performance.md."""
from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "courses" / "smart-city-manager"


def make_scaled_course(target: Path, factor: int) -> Path:
    """The demo course with every module copied `factor` times (links between modules still resolve)."""
    course = target / f"scm-x{factor}"
    shutil.copytree(DEMO, course)
    meta = yaml.safe_load((DEMO / "course.yml").read_text(encoding="utf-8"))
    modules = list(meta["modules"])
    for copy in range(2, factor + 1):
        for module in meta["modules"]:
            name = f"{module}-k{copy}"
            shutil.copytree(DEMO / module, course / name)
            modules.append(name)
    meta["modules"] = modules
    (course / "course.yml").write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return course


def measure(course_dir: Path, database_url: str | None, repeat: int) -> dict:
    from app import create_app
    from app.catalogue.services import import_path, validate_path
    from app.extensions import db

    results: dict[str, list[float]] = {"validate": [], "import (empty database)": [], "re-import (unchanged)": []}
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            url = database_url or f"sqlite:///{tmp}/bench.sqlite3"
            app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "COURSES_AUTO_RELOAD": False})
            with app.app_context():
                db.drop_all()
                db.create_all()
                started = time.perf_counter()
                courses, problems = validate_path(course_dir)
                results["validate"].append(time.perf_counter() - started)
                assert courses and not [p for p in problems if p.severity == "error"], problems
                started = time.perf_counter()
                import_path(course_dir)
                db.session.commit()
                results["import (empty database)"].append(time.perf_counter() - started)
                started = time.perf_counter()
                import_path(course_dir)
                db.session.commit()
                results["re-import (unchanged)"].append(time.perf_counter() - started)
                db.drop_all()
                db.engine.dispose()
    return {name: statistics.median(values) for name, values in results.items()}


def count_items(course_dir: Path) -> tuple[int, int]:
    files = [p for p in course_dir.rglob("*.md")]
    return len(files), sum(len(p.read_text(encoding="utf-8").split()) for p in files)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--factor", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        scaled = make_scaled_course(Path(tmp), args.factor)
        rows = []
        for label, folder in (("demo course", DEMO), (f"{args.factor}× demo course", scaled)):
            files, words = count_items(folder)
            timings = measure(folder, args.database_url, args.repeat)
            rows.append((label, files, words, timings))
    database = "PostgreSQL" if args.database_url and args.database_url.startswith("postgres") else "SQLite"
    print(f"\n{database}, median of {args.repeat} runs\n")
    print("| course | Markdown files | words | validate | import (empty database) | re-import (unchanged) |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, files, words, timings in rows:
        cells = " | ".join(f"{value * 1000:.0f} ms" for value in timings.values())
        print(f"| {label} | {files} | {words:,} | {cells} |")


if __name__ == "__main__":
    main()
