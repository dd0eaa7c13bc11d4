"""Schemathesis generates requests from /api/v1/openapi.json — valid and invalid parameters,
other HTTP methods, missing and wrong credentials — sends them in process through the WSGI app
(`schemathesis.openapi.from_wsgi`) and checks every answer against the document: status codes,
content types, response schemas and headers, authentication enforced, invalid input rejected."""
from __future__ import annotations

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events


def run_schemathesis(app, token: str, max_examples: int = 40) -> tuple[list[str], dict]:
    config = SchemathesisConfig.from_dict({
        "seed": 20270111,
        "headers": {"Authorization": f"Bearer {token}"},
        "generation": {"max-examples": max_examples, "database": "none"},
    })
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)
    failures, cases = [], {}
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            phase = getattr(event.phase, "value", str(event.phase))
            cases[phase] = cases.get(phase, 0) + len(event.recorder.cases)
            if event.status in (Status.FAILURE, Status.ERROR):
                for case_id, checks in event.recorder.checks.items():
                    for check in checks:
                        if check.status == Status.FAILURE:
                            case = event.recorder.cases[case_id].value
                            failures.append(f"{event.phase} {event.label}: {check.name}: {check.failure_info.failure.title} "
                                            f"({case.method} {case.path} query={case.query} headers={case.headers})")
                if event.status == Status.ERROR:
                    failures.append(f"{event.phase} {event.label}: error")
        elif isinstance(event, (events.NonFatalError, events.FatalError)):
            failures.append(f"error: {getattr(event, 'value', None) or getattr(event, 'exception', None)}")
    return failures, cases


def _drop_network_settings(monkeypatch) -> None:
    """schemathesis 4.32 hands socket-level settings (max_redirects, verify, cert) to werkzeug's
    test client, which refuses them; in process they mean nothing, so they are dropped."""
    from schemathesis.transport.wsgi import WSGITransport

    original = WSGITransport.send

    def send(self, case, *, session=None, **kwargs):
        for name in ("max_redirects", "verify", "cert", "proxies"):
            kwargs.pop(name, None)
        return original(self, case, session=session, **kwargs)

    monkeypatch.setattr(WSGITransport, "send", send)


def test_api_matches_its_openapi_document(app, db, tokens, monkeypatch):
    _drop_network_settings(monkeypatch)
    failures, cases = run_schemathesis(app, tokens["agency_12"])
    assert cases.get("coverage", 0) > 30 and cases.get("fuzzing", 0) > 30, cases  # it really sent requests
    assert not failures, "\n".join(sorted(set(failures))[:30])
