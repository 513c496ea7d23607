"""Refuse, in one clear line, a Python older than the package needs.

``requires-python`` stops pip from installing the package there; this covers a checkout run in
place (``python3.10 -m yandex_b2b_async`` in a clone), which would otherwise fail on the first
3.11-only name with a message that says nothing about versions. Imported first by the package.
"""

import sys

MINIMUM = (3, 11)

if sys.version_info < MINIMUM:  # pragma: no cover - the tests run on a supported Python
    raise ImportError(
        "yandex_b2b_async needs Python {}.{} or newer; this is Python {} ({}). Make the venv "
        "with a newer one, e.g. python3.11 -m venv .venv".format(
            *MINIMUM, sys.version.split()[0], sys.executable
        )
    )
