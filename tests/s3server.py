"""A real S3 API server for the tests: moto in server mode (`moto_server`, the console script of
the project's venv) on 127.0.0.1 and a free port, started as a subprocess and stopped again."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from tests.ports import free_port

ACCESS_KEY, SECRET_KEY = "scc-test-access", "scc-test-secret"


class MotoServer:
    def __init__(self, **environment: str):
        self.environment = environment
        self.process: subprocess.Popen | None = None
        self.port = 0

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "MotoServer":
        command = Path(sys.executable).with_name("moto_server")
        self.port = free_port()
        self.process = subprocess.Popen(
            [str(command), "-H", "127.0.0.1", "-p", str(self.port)], env={**os.environ, **self.environment},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto_server exited with {self.process.returncode}")
            try:
                urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=1).close()
                return self
            except urllib.error.HTTPError:
                return self  # it answers
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("moto_server did not answer within 30 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def client(self, access_key: str = ACCESS_KEY, secret_key: str = SECRET_KEY):
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=access_key, aws_secret_access_key=secret_key)

    def new_bucket(self) -> str:
        name = f"scc-{uuid.uuid4().hex[:16]}"
        self.client().create_bucket(Bucket=name)
        return name

    def settings(self, bucket: str, prefix: str = "dateien", **overrides: str) -> dict:
        """App configuration for a store in `bucket` on this server."""
        return {
            "FILE_STORAGE_URL": f"s3://{bucket}/{prefix}", "FILE_STORAGE_S3_ENDPOINT": self.endpoint,
            "FILE_STORAGE_S3_REGION": "us-east-1", "FILE_STORAGE_S3_ACCESS_KEY": ACCESS_KEY,
            "FILE_STORAGE_S3_SECRET_KEY": SECRET_KEY, "FILE_STORAGE_S3_ADDRESSING": "path", **overrides,
        }

    def environment_for(self, bucket: str, prefix: str = "dateien") -> dict:
        """The same as environment variables, for app servers started as subprocesses."""
        return self.settings(bucket, prefix)
