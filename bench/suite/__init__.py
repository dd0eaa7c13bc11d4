"""The benchmark suite behind `python -m bench.run` (bench/run.py: the command and the run), by part:

- options.py     the command line (parts, data sizes, load, databases)
- databases.py   the throw-away SQLite and PostgreSQL databases each part measures on
- report.py      the Markdown report, and the machine and load it was measured under
- throughput.py  http: requests/s, latency and memory under gunicorn, next to a bare Flask
- statements.py  queries: SQL statements per page as the data grow
- commands.py    certificates, import: other bench commands run as they are, their tables included
- agency.py      agency: the agency dashboard at 100,000 generated learners

Data are built by bench/data.py, load by bench/loadgen.py against bench/server.py's gunicorn."""
