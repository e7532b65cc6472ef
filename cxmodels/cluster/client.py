"""Connecting to a Dask cluster from a spec: `local`, `local:N` or a scheduler address."""

import os
from contextlib import contextmanager

from cxmodels.errors import ConfigError

SPEC_HELP = "use 'local', 'local:N' (N workers) or a scheduler address such as tcp://host:8786"


def connect(spec: str):
    """A distributed.Client for `spec`: a LocalCluster ('local' = one worker per core, 'local:N') or a scheduler."""
    from distributed import Client, LocalCluster

    spec = spec.strip()
    if spec == "local" or spec.startswith("local:"):
        count = spec.partition(":")[2] or str(os.cpu_count() or 1)
        if not count.isdigit() or int(count) < 1:
            raise ConfigError(f"cluster {spec!r}: the worker count must be a whole number of at least 1; {SPEC_HELP}")
        return Client(LocalCluster(n_workers=int(count), threads_per_worker=1, processes=True,
                                   dashboard_address=None))
    if "://" not in spec:
        raise ConfigError(f"cluster {spec!r} is not understood: {SPEC_HELP}")
    try:
        return Client(spec, timeout="20s")
    except (OSError, TimeoutError) as error:
        raise ConfigError(f"cannot reach the Dask scheduler at {spec}: {error}; check the address and that the "
                          "scheduler is running") from None


@contextmanager
def connected(spec: str):
    """`connect(spec)` for the duration of a block; a LocalCluster it started is shut down after."""
    client = connect(spec)
    try:
        yield client
    finally:
        cluster = client.cluster if spec.strip().startswith("local") else None
        client.close()
        if cluster is not None:
            cluster.close()
