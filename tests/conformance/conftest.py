"""Starts the emulator binary for the conformance suite and hands out boto3 clients."""

import os
import subprocess

import boto3
import pytest
from botocore.config import Config

ACCESS_KEY = "AKIAEMULATOR000000001"
SECRET_KEY = "emulator/secret/access/key/000000000000"
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def emulator_binary():
    path = os.environ.get("EMULATOR_BINARY") or os.path.join(ROOT, "target", "debug", "apigatewayv2-emulator")
    if not os.path.exists(path):
        pytest.fail(f"{path} is missing: run `cargo build -p apigatewayv2-emulator` (make test does)")
    return path


def run_emulator(*args):
    proc = subprocess.Popen(
        [emulator_binary(), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    url = proc.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:"), url
    return proc, url


def stop_emulator(proc):
    proc.terminate()
    assert proc.wait(timeout=10) == 0, "emulator must exit cleanly on SIGTERM"


@pytest.fixture()
def emulator():
    """A fresh emulator process (100x time scale) per test; yields its URL."""
    proc, url = run_emulator("--time-scale", "0.01", "--deploy-delay-ms", "1000")
    yield url
    stop_emulator(proc)


@pytest.fixture()
def real_time_emulator():
    """A fresh emulator with AWS's own quota windows (1 CreateDeployment per 5 s)."""
    proc, url = run_emulator("--time-scale", "1")
    yield url
    stop_emulator(proc)


def make_client(url, secret=SECRET_KEY, attempts=1, region="us-east-1"):
    return boto3.client(
        "apigatewayv2",
        endpoint_url=url,
        region_name=region,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=secret,
        config=Config(retries={"total_max_attempts": attempts, "mode": "standard"}),
    )
