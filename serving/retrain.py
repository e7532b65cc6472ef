"""`cxmodels retrain`: monitor (with `if_needed`), then train, gate and promote, then tell a running service
to reload; one run at a time (a lock file), safe to run from cron or a systemd timer.

Outcomes and exit statuses: RETRAINED (0), NOTHING_TO_DO (3: the monitor finds the champion fine), LOCKED
(4: another run holds the lock); a data problem found by the monitor stops the run before training
(DATA_PROBLEM, 2), and errors exit as every command's do (1 or 2).
"""

import fcntl
import os
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cxmodels.errors import CxmodelsError
from serving.monitor import DATA_PROBLEM, FINE, MonitorResult, run_monitor
from serving.service.keys import ADMIN_KEY_ENV, split_keys
from serving.service.settings import API_KEY_HEADER
from training.pipeline import TrainingResult, train

RETRAINED, NOTHING_TO_DO, LOCKED = 0, 3, 4
RELOAD_TIMEOUT_SECONDS = 120  # a reload loads the models and starts the scoring workers


class RetrainError(CxmodelsError):
    """The retrain cannot go on: another run holds the lock, the data has a problem, or the service did not reload."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class RetrainResult:
    """What the run did: NOTHING_TO_DO or RETRAINED, the monitor's result (None without if_needed), the
    training result and the service's answer to the reload (None when none was asked)."""

    outcome: int
    monitor: MonitorResult | None
    training: TrainingResult | None
    reload: str | None


def run_retrain(data_dir, lock_path: Path, training_config=None, serving_config=None, if_needed: bool = False,
                as_of=None, store_url: str | None = None, service_url: str | None = None,
                environ=os.environ) -> RetrainResult:
    """One retrain of the models on `data_dir` under the lock `lock_path`; RetrainError (LOCKED) when another
    run holds it, (DATA_PROBLEM) when the monitor finds one."""
    with _locked(Path(lock_path)):
        monitored = None
        if if_needed:
            monitored = run_monitor(data_dir, as_of, serving_config, store_url=store_url)
            if monitored.verdict == FINE:
                return RetrainResult(NOTHING_TO_DO, monitored, None, None)
            if monitored.verdict == DATA_PROBLEM:
                raise RetrainError(f"not retraining on data with a problem: {monitored.summary()}", DATA_PROBLEM)
        trained = train(data_dir, training_config, as_of=as_of, progress=False)
        promoted = any(promotion.promoted for promotion in trained.promotions)
        answer = reload_service(service_url, environ) if service_url and promoted else None
        return RetrainResult(RETRAINED, monitored, trained, answer)


@contextmanager
def _locked(path: Path):
    """Hold an exclusive lock on `path` (created, with this process's id in it) for the block."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.seek(0)
            holder = file.read().strip() or "unknown"
            raise RetrainError(f"another `cxmodels retrain` holds the lock {path.resolve()} (process {holder}): "
                               "nothing done", LOCKED) from None
        file.truncate(0)
        file.write(f"{os.getpid()}\n")
        file.flush()
        try:
            yield
        finally:
            file.truncate(0)
            fcntl.flock(file, fcntl.LOCK_UN)


def reload_service(service_url: str, environ=os.environ) -> str:
    """POST /admin/reload to the service at `service_url` with the first admin key of CXMODELS_ADMIN_KEY; its
    answer, or RetrainError naming why it did not reload."""
    keys = split_keys(environ.get(ADMIN_KEY_ENV, ""))
    url = f"{service_url.rstrip('/')}/admin/reload"
    request = urllib.request.Request(url, method="POST", headers={API_KEY_HEADER: keys[0]} if keys else {})
    try:
        with urllib.request.urlopen(request, timeout=RELOAD_TIMEOUT_SECONDS) as response:
            return response.read().decode()
    except urllib.error.HTTPError as error:
        raise RetrainError(f"the new champions are promoted, but {url} answered {error.code}: "
                           f"{error.read().decode(errors='replace')[:300]} (an admin key in {ADMIN_KEY_ENV}?)") from None
    except OSError as error:
        raise RetrainError(f"the new champions are promoted, but the service at {url} did not answer: {error}; "
                           "reload it by hand (POST /admin/reload) or restart it") from None
