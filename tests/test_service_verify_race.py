"""The wrong-code limit against a right code racing wrong guesses (issue 24.10), made deterministic.

The service runs in this process on SQLite and PostgreSQL, and its store is wrapped so that every
request reads the token before any of them writes (the interleaving that let a right code through
when the limit was checked by that read), and the right code goes on only after the wrong guesses
have finished. With a limit of 1, the first wrong guess spends the budget: the right code must be
refused (429), not accepted.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pyotp
import pytest
from pyotp_rs.server.config import RateLimit, ServiceConfig
from pyotp_rs.server.service import TokenFields, open_service
from pyotp_rs.server.store import TokenRow
from pyotp_rs.server.verification import TooManyAttempts, Verdict, verify_code

SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
WRONG_GUESSES = 7


def test_a_right_code_after_wrong_guesses_spent_the_budget_is_refused(database: str, tmp_path: Path) -> None:
    config = ServiceConfig.from_options(
        db=database, key_file=str(tmp_path / "server.key"), rate_limit=RateLimit(1, 60), environ={}
    )
    service = open_service(config)
    token = service.create_token(TokenFields(name="alice", secret=SECRET))
    totp = pyotp.TOTP(SECRET)
    everyone_read = threading.Barrier(WRONG_GUESSES + 1, timeout=30)
    wrong_done = threading.Event()
    first_reads: set[str] = set()
    read = service.store.get_token

    def get_token(token_id: str) -> TokenRow | None:
        row = read(token_id)
        name = threading.current_thread().name
        if name not in first_reads:
            first_reads.add(name)
            everyone_read.wait()
            if name == "right":
                assert wrong_done.wait(30)
        return row

    service.store.get_token = get_token  # type: ignore[method-assign]
    now = int(time.time())
    near = {totp.at(now, counter_offset=i) for i in range(-3, 4)}
    wrong = [code for code in (f"{n:06d}" for n in range(100)) if code not in near][:WRONG_GUESSES]
    outcomes: dict[str, Verdict | Exception] = {}

    def guess(code: str) -> None:
        try:
            outcomes[threading.current_thread().name] = verify_code(service, token.id, code)
        except TooManyAttempts as error:
            outcomes[threading.current_thread().name] = error

    threads = [threading.Thread(target=guess, args=(code,), name=f"wrong{i}") for i, code in enumerate(wrong)]
    right = threading.Thread(target=guess, args=(totp.at(now),), name="right")
    for thread in [*threads, right]:
        thread.start()
    for thread in threads:
        thread.join(30)
    wrong_done.set()
    right.join(30)
    service.store.dispose()
    wrong_outcomes = [outcomes[thread.name] for thread in threads]
    assert sum(isinstance(o, Verdict) and o.reason == "invalid" for o in wrong_outcomes) == 1
    assert sum(isinstance(o, TooManyAttempts) for o in wrong_outcomes) == WRONG_GUESSES - 1
    assert isinstance(outcomes["right"], TooManyAttempts), outcomes["right"]


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_without_wrong_guesses_the_right_code_is_accepted(database: str, tmp_path: Path) -> None:
    config = ServiceConfig.from_options(
        db=database, key_file=str(tmp_path / "server.key"), rate_limit=RateLimit(1, 60), environ={}
    )
    service = open_service(config)
    token = service.create_token(TokenFields(name="alice", secret=SECRET))
    verdict = verify_code(service, token.id, pyotp.TOTP(SECRET).now())
    service.store.dispose()
    assert verdict.valid is True
