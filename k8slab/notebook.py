"""Notebook integration: k8slab errors print as a short message, not a client traceback."""

from __future__ import annotations

import sys

from .errors import K8sLabError


def _show_error(shell, etype, value, tb, tb_offset=None):
    text = f"{etype.__name__}: {value}"
    print(text, file=sys.stderr)
    return [text]


def install_error_display() -> None:
    """In IPython, show K8sLabError as `ErrorName: message / hint` (once per kernel)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None or getattr(shell, "_k8slab_errors", False):
        return
    shell.set_custom_exc((K8sLabError,), _show_error)
    shell._k8slab_errors = True
