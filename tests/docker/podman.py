"""Podman, run as root with all of its state in directories of its own.

Storage, network configs and temp files live under `work`, run state under
a directory in /run, so a test neither sees nor touches other podman users
on the machine, and removing both removes everything it made. Outside them
only the caches under `cache` (base image tarball, build cache mounts) and
podman's shared blob-info cache (/var/lib/containers/cache) outlive a run.

The settings are what podman needs on a Debian 12 host like this one: runc
(crun fails on hybrid cgroups), cgroupfs (no systemd), ulimits within the
host's limits.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

ULIMITS = ["--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768"]


class PodmanError(AssertionError):
    pass


class Podman:
    def __init__(self, work: Path, cache: Path) -> None:
        self.work = work
        self.cache = cache
        work.mkdir(parents=True, exist_ok=True)
        # Run state in a short path under /run: with a run root longer than
        # about 50 characters, every attached `podman run` stalls for 20 s.
        self.run_dir = Path(tempfile.mkdtemp(prefix="eventlog-test.", dir="/run"))
        (work / "run_dir").write_text(str(self.run_dir))
        for d in ("root", "net", "tmp"):
            (work / d).mkdir(parents=True, exist_ok=True)
        (work / "storage.conf").write_text(
            "[storage]\n"
            'driver = "overlay"\n'
            f'graphroot = "{work / "root"}"\n'
            f'runroot = "{self.run_dir / "run"}"\n'
        )
        (work / "containers.conf").write_text(
            "[containers]\n"
            'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]\n'
            "[engine]\n"
            'runtime = "runc"\n'
            'cgroup_manager = "cgroupfs"\n'
            'events_logger = "file"\n'
            f'tmp_dir = "{self.run_dir / "libpod"}"\n'
            "[network]\n"
            # none, host and slirp4netns networks, and the compose test's
            # bridge (names resolved by the dnsname plugin): with CNI they
            # leave no state outside network_config_dir once removed
            # (netavark would keep some in /run/containers/networks).
            'network_backend = "cni"\n'
            f'network_config_dir = "{work / "net"}"\n'
        )
        # What the test made, for remove_created().
        self.created: Dict[str, List[str]] = {"containers": [], "volumes": [], "images": []}
        self.env = dict(os.environ)
        self.env.update(
            CONTAINERS_STORAGE_CONF=str(work / "storage.conf"),
            CONTAINERS_CONF=str(work / "containers.conf"),
            TMPDIR=str(work / "tmp"),
        )

    def run(
        self,
        *args: str,
        check: bool = True,
        input: Optional[str] = None,
        timeout: float = 120,
        env: Optional[Dict[str, str]] = None,
        stdout=subprocess.PIPE,
    ) -> subprocess.CompletedProcess:
        cmd = ["podman", *args]
        start = time.monotonic()
        r = subprocess.run(
            cmd,
            input=input,
            stdout=stdout,
            stderr=subprocess.PIPE if stdout == subprocess.PIPE else subprocess.STDOUT,
            text=True,
            timeout=timeout,
            env=env or self.env,
        )
        took = time.monotonic() - start
        if took > 5 and args[0] != "build":
            print(f"[container test] slow: podman {' '.join(args)}: {took:.1f} s", flush=True)
        if check and r.returncode != 0:
            raise PodmanError(
                f"{' '.join(cmd)} exited {r.returncode}\n"
                f"stdout: {(r.stdout or '')[-4000:]}\nstderr: {(r.stderr or '')[-4000:]}"
            )
        return r

    def out(self, *args: str, **kwargs) -> str:
        return self.run(*args, **kwargs).stdout.strip()

    def inspect(self, kind: str, name: str) -> dict:
        return json.loads(self.out(kind, "inspect", name))[0]

    def build(self, dockerfile: Path, context: Path, tag: str, log: Path) -> None:
        """Builds like `docker build`; cache mounts persist under the cache dir
        (buildah keeps them in $TMPDIR/buildah-cache)."""
        build_tmp = self.cache / "build-tmp"
        build_tmp.mkdir(parents=True, exist_ok=True)
        env = dict(self.env, TMPDIR=str(build_tmp))
        with open(log, "w") as f:
            r = self.run(
                "build",
                "--format", "docker",  # OCI images cannot carry HEALTHCHECK
                "--pull=never",  # no registry: the base images are local
                "--network", "host",  # apt in RUN steps
                "--layers",
                "-f", str(dockerfile),
                "-t", tag,
                str(context),
                check=False,
                timeout=1000,
                env=env,
                stdout=f,
            )
        if r.returncode != 0:
            raise PodmanError(f"podman build failed ({r.returncode}):\n{log.read_text()[-6000:]}")

    def wait_healthy(self, name: str, timeout: float = 120) -> None:
        """Runs the image's HEALTHCHECK until it passes. Podman schedules
        health checks with systemd timers; without systemd nothing runs them,
        so run them here (each run updates the container's health state)."""
        deadline = time.monotonic() + timeout
        last = None
        while True:
            state = self.inspect("container", name)["State"]
            if state["Status"] != "running":
                raise PodmanError(
                    f"container {name} is {state['Status']} (exit {state.get('ExitCode')})\n"
                    f"logs:\n{self.logs(name)}"
                )
            last = self.run("healthcheck", "run", name, check=False, timeout=30)
            if last.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise PodmanError(
                    f"{name} not healthy after {timeout} s: {last.stdout} {last.stderr}\n"
                    f"logs:\n{self.logs(name)}"
                )
            time.sleep(0.5)

    def health_status(self, name: str) -> str:
        state = self.inspect("container", name)["State"]
        health = state.get("Health") or state.get("Healthcheck") or {}
        return health.get("Status", "")

    def logs(self, name: str) -> str:
        r = self.run("logs", name, check=False)
        return (r.stdout or "") + (r.stderr or "")

    def remove_created(self) -> List[str]:
        """Best-effort removal of self.created; returns what could not be removed."""
        problems = []
        for c in self.created["containers"]:
            r = self.run("rm", "--force", "--time", "5", c, check=False)
            if r.returncode != 0 and "no such container" not in r.stderr:
                problems.append(f"container {c}: {r.stderr.strip()}")
        for v in self.created["volumes"]:
            r = self.run("volume", "rm", "--force", v, check=False)
            if r.returncode != 0 and "no such volume" not in r.stderr:
                problems.append(f"volume {v}: {r.stderr.strip()}")
        for i in self.created["images"]:
            r = self.run("rmi", "--force", i, check=False)
            if r.returncode != 0 and "image not known" not in r.stderr:
                problems.append(f"image {i}: {r.stderr.strip()}")
        return problems

    def reset(self) -> None:
        """Removes all of this podman's state (it is ours alone) and the work dir."""
        self.run("system", "reset", "--force", check=False, timeout=300)
        shutil.rmtree(self.run_dir, ignore_errors=True)
        shutil.rmtree(self.work, ignore_errors=True)
