"""The random source pyotp exposes as ``pyotp.compat.random``."""

from secrets import SystemRandom

random = SystemRandom()
