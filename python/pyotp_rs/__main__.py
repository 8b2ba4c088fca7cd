"""``python -m pyotp_rs``: the ``pyotp-rs`` command line."""

import sys

from .cli import main

sys.exit(main())
