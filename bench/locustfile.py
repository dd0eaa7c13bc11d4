"""Simulated learners for the load test of issue 10 (run it through `python -m bench.load`).

Each simulated learner logs in as one generated learner, then reads lessons (and marks some
done), answers the module quizzes and uploads files to assignments: a draft with one file, then
the hand-in with a second file. Every write the server acknowledges is appended to the
acknowledgement file (LOAD_ACK_FILE, one JSON object a line), so bench/load.py can check
afterwards that the database holds all of it.

"Acknowledged" means what a person would see: the redirect after the POST, and on the page it
leads to, the confirmation (a quiz review, "abgegeben", "Entwurf ist gespeichert").

The learners are FastHttpUsers (geventhttpclient) rather than HttpUsers (requests): the load
generator runs on the same two cores as the server, and requests took about twice the CPU
per request (docs/performance.md, "Load test and worker memory"). Unlike requests, a response
that never came (connection reset) has neither headers nor text, hence location() and page_text()."""
from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
import time

from locust import FastHttpUser, between, events, task

from bench.client import csrf_token, quiz_answers

PLAN = json.loads(open(os.environ["LOAD_PLAN_FILE"], encoding="utf-8").read()) if os.environ.get("LOAD_PLAN_FILE") else None
_ACK_LOCK = threading.Lock()
_ACK = None
_EMAILS = itertools.count()
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def acknowledge(**record) -> None:
    global _ACK
    record["t"] = time.time()
    with _ACK_LOCK:
        if _ACK is None:
            _ACK = open(os.environ.get("LOAD_ACK_FILE", "load-acks.jsonl"), "a", encoding="utf-8")
        _ACK.write(json.dumps(record) + "\n")
        _ACK.flush()


def location(response) -> str:
    return (response.headers or {}).get("Location", "")


def page_text(response) -> str:
    return response.text or ""


_FAILURES = None


@events.request.add_listener
def _record_failure(request_type, name, response_time, exception, start_time=None, context=None, **kwargs):
    """Each failed request with its learner and its start and end, so that bench/load.py can tell the
    requests the SIGKILL cut off from any other failure (LOAD_FAILURE_FILE, one JSON object a line)."""
    global _FAILURES
    if exception is None or not os.environ.get("LOAD_FAILURE_FILE"):
        return
    started = start_time or time.time() - response_time / 1000
    record = {"method": request_type, "name": name, "learner": (context or {}).get("learner"), "start": started,
              "end": started + response_time / 1000, "error": repr(exception)}
    with _ACK_LOCK:
        if _FAILURES is None:
            _FAILURES = open(os.environ["LOAD_FAILURE_FILE"], "a", encoding="utf-8")
        _FAILURES.write(json.dumps(record) + "\n")
        _FAILURES.flush()


@events.quitting.add_listener
def _close(environment, **kwargs):
    for handle in (_ACK, _FAILURES):
        if handle is not None:
            handle.close()


class Learner(FastHttpUser):
    wait_time = between(1, 4)

    def on_start(self):
        if PLAN is None:
            raise RuntimeError("LOAD_PLAN_FILE is not set: start the load test with `python -m bench.load`")
        learners = PLAN["learners"]
        self.email = learners[next(_EMAILS) % len(learners)]
        self.token = None
        self.handed_in: set[str] = set()
        self.uploads = 0
        self.logged_in = False
        self._login()

    def context(self) -> dict:
        return {"learner": self.email}  # passed to the request event: see _record_failure

    # -------------------------------------------------------------- helpers
    def _get(self, path: str, name: str):
        response = self.client.get(path, name=name, allow_redirects=False)
        token = csrf_token(page_text(response)) if response.status_code == 200 else None
        if token:
            self.token = token
        return response

    def _post(self, path: str, data: dict, name: str, files=None):
        return self.client.post(path, data={**data, "csrf_token": self.token}, files=files, name=name, allow_redirects=False)

    def _login(self):
        self._get("/anmelden", "login page")
        response = self._post("/anmelden", {"email": self.email, "password": PLAN["password"]}, "login")
        self.logged_in = response.status_code == 302

    def _module(self):
        return random.choice(PLAN["modules"])

    # -------------------------------------------------------------- tasks
    @task(6)
    def read_lesson(self):
        if not self.logged_in:
            return self._login()
        module = self._module()
        lesson = random.choice(module["lessons"])
        path = f"/kurse/{PLAN['course']}/{module['slug']}/{lesson}"
        response = self._get(path, "lesson page")
        if response.status_code == 200 and random.random() < 0.4:
            done = self._post(path + "/erledigt", {}, "mark lesson done")
            if done.status_code == 302:
                acknowledge(kind="lesson", email=self.email, module=module["slug"], lesson=lesson)

    @task(1)
    def dashboard(self):
        if self.logged_in:
            self._get("/lernstand", "dashboard")

    @task(3)
    def answer_quiz(self):
        if not self.logged_in:
            return self._login()
        module = self._module()
        overview = f"/kurse/{PLAN['course']}/{module['slug']}/quiz"
        if self._get(overview, "quiz overview").status_code != 200:
            return
        started = self._post(overview + "/start", {}, "quiz start")
        match = re.search(r"/versuche/(\d+)$", location(started))
        if started.status_code != 302 or not match:
            return  # passed already, or a wait: the overview says so
        attempt = f"/versuche/{match.group(1)}"
        page = self._get(attempt, "quiz attempt page")
        if page.status_code != 200:
            return
        submitted = self._post(attempt, {**quiz_answers(page_text(page)), "action": "submit"}, "quiz submit")
        if submitted.status_code == 302 and location(submitted).endswith(attempt + "/auswertung"):
            acknowledge(kind="attempt", email=self.email, attempt_id=int(match.group(1)))

    @task(2)
    def upload(self):
        if not self.logged_in:
            return self._login()
        open_modules = [m for m in PLAN["modules"] if m.get("assignment") and m["slug"] not in self.handed_in]
        if not open_modules:
            return
        module = random.choice(open_modules)
        path = f"/kurse/{PLAN['course']}/{module['slug']}/aufgaben/{module['assignment']}"
        page = self._get(path, "assignment page")
        if page.status_code != 200:
            return
        for action, name, confirmation in (("save", "upload draft", "Entwurf ist gespeichert"),
                                           ("submit", "hand in", "ist abgegeben")):
            self.uploads += 1
            filename = f"{self.email.split('@')[0]}-{self.uploads}.pdf"
            response = self._post(path, {"text": f"Abgabe von {self.email}", "action": action}, name,
                                  files={"files": (filename, PDF, "application/pdf")})
            if response.status_code != 302:
                return
            shown = self._get(path, "assignment page")
            if confirmation not in page_text(shown):
                return
            acknowledge(kind="file", email=self.email, module=module["slug"], assignment=module["assignment"], filename=filename)
            if action == "submit":
                self.handed_in.add(module["slug"])
                acknowledge(kind="version", email=self.email, module=module["slug"], assignment=module["assignment"])
