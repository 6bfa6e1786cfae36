"""A real S3 endpoint for tests: moto's HTTP server on a free port of 127.0.0.1.

Tests talk to it over HTTP exactly as they would to AWS or MinIO (no patched boto calls), so the
configuration, signing, streaming and error paths under test are the real ones.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

ACCESS_KEY = "testing"
SECRET_KEY = "testing"
REGION = "us-east-1"


@dataclass
class S3Endpoint:
    server: ThreadedMotoServer
    url: str

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def create_bucket(self) -> str:
        name = f"stockade-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def storage_url(self, bucket: str, prefix: str = "") -> str:
        path = f"/{prefix}" if prefix else ""
        return f"s3://{bucket}{path}?endpoint_url={self.url}&region_name={REGION}"

    def keys(self, bucket: str) -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def stop(self) -> None:
        self.server.stop()


def start_s3_endpoint() -> S3Endpoint:
    """Start moto's S3 server on a free port (the OS picks it) and return its endpoint."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one log line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return S3Endpoint(server=server, url=f"http://{host}:{port}")


def dead_endpoint_url() -> str:
    """An http:// endpoint on 127.0.0.1 where nothing listens."""
    from tests.e2e.harness import free_port

    return f"http://127.0.0.1:{free_port()}"
