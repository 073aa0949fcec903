"""Root pytest configuration: the test suite and nbval runs of the notebooks use a cluster
of their own (K8SLAB_HOME=<repo>/.k8slab-test, fast profile), never your own one."""

import os
from pathlib import Path

os.environ.setdefault("K8SLAB_HOME", str(Path(__file__).resolve().parent / ".k8slab-test"))
os.environ.setdefault("K8SLAB_PROFILE", "fast")
