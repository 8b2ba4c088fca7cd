"""Helpers of the differential tests: run the same call on pyotp and pyotp_rs and compare.

A call is a function of the module (``pyotp`` or ``pyotp_rs``); its outcome is the returned
value (OTP objects described by class and attributes) or the raised exception's type and message.
"""

import re
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pyotp
import pyotp_rs

# PyO3 words some argument-parsing errors itself ("TOTP.__init__() takes 1 positional arguments
# but 2 were given", not counting self): for these only the exception type is part of the contract.
ARGUMENT_PARSING = re.compile(
    r"\(\) (got an unexpected keyword argument|takes \d+ positional arguments? but|"
    r"missing \d+ required|got multiple values for argument|got some positional-only)"
)


def type_path(kind: type) -> str:
    """An exception class as `module.qualname`, with pyotp_rs's package name mapped to pyotp's."""
    module = kind.__module__
    if module == "pyotp_rs" or module.startswith("pyotp_rs."):
        module = "pyotp" + module.removeprefix("pyotp_rs")
    return f"{module}.{kind.__qualname__}"


def describe(value: Any) -> Any:
    """A comparable form of a result: OTP objects become their class name and attributes."""
    if isinstance(value, (pyotp.OTP, pyotp_rs.OTP)):
        attributes = ("secret", "digits", "digest", "name", "issuer", "interval", "initial_count")
        return (type(value).__name__, {a: getattr(value, a) for a in attributes if hasattr(value, a)})
    return value


def outcome(call: Callable[[], Any]) -> tuple[str, Any, Any]:
    """("ok", described result, type) or ("error", exception type path, message)."""
    try:
        value = call()
    except Exception as error:  # noqa: BLE001 - the exception is the outcome under test
        return ("error", type_path(type(error)), str(error))
    return ("ok", describe(value), type(value).__name__)


def same(call: Callable[[ModuleType], Any], *, exact: bool = False) -> tuple[str, Any, Any]:
    """Asserts that `call(pyotp)` and `call(pyotp_rs)` return equal values or raise alike.

    Exceptions must have the same type and message, except PyO3's argument-parsing
    TypeErrors, which must only have the same type (unless `exact`). Returns pyotp's outcome.
    """
    theirs = outcome(lambda: call(pyotp))
    ours = outcome(lambda: call(pyotp_rs))
    if theirs[0] == ours[0] == "error" and not exact and ARGUMENT_PARSING.search(theirs[2]):
        assert ours[1] == theirs[1], (theirs, ours)
        return theirs
    if theirs[0] == "error":
        theirs = (*theirs[:2], theirs[2].replace("pyotp.utils.build_uri()", "pyotp_rs.utils.build_uri()"))
    assert ours == theirs, f"\npyotp:    {theirs!r}\npyotp_rs: {ours!r}"
    return theirs
