"""The bare framework for comparison: Flask's "hello world", served by the same gunicorn settings
as the app (`gunicorn bench.hello:app`). It marks the limit of the stack on this machine."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
