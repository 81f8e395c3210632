"""Runs cases against the real program, each in its own folder with a time limit, `jobs` at a time."""
import os
import resource
import signal
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from case import Case, Result


# Address space of one case: an input that asks for all memory fails inside this bound (as a refusal or
# a crash the probe records) instead of starving the machine.
MEMORY_LIMIT = 6 << 30


def limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_process(argv, cwd, stdin: bytes, timeout: float) -> Result:
    start = time.monotonic()
    process = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, start_new_session=True, preexec_fn=limit_memory)
    try:
        out, err = process.communicate(stdin, timeout=timeout)
        code = process.returncode
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the case's own process group
        out, err = process.communicate()
        code = None
    return Result(code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"),
                  time.monotonic() - start)


def run_case(ebm: str, case: Case, root: str, timeout: float) -> Result:
    folder = tempfile.mkdtemp(prefix=case.case_id.replace("/", "_")[:60] + ".", dir=root)
    for name, data in case.files.items():
        path = os.path.join(folder, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    for command in case.setup:
        if callable(command):
            command(folder)
            continue
        prepared = run_process([ebm] + command, folder, b"", timeout)
        if prepared.returncode != 0:
            return Result(prepared.returncode, "", "probe setup failed: " + prepared.stderr, prepared.seconds)
    return run_process([ebm] + case.args, folder, case.stdin, timeout)


def run_all(ebm: str, cases, timeout: float, jobs: int, progress=None):
    """Results in the order of `cases`."""
    with tempfile.TemporaryDirectory(prefix="ebm-reliability.") as root:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(run_case, ebm, c, root, timeout) for c in cases]
            results = []
            for i, future in enumerate(futures):
                results.append(future.result())
                if progress:
                    progress(i + 1, len(cases))
            return results
