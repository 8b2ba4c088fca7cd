"""Enrol a user and check a code: the five-line pyotp flow, run on pyotp_rs."""

import pyotp_rs as pyotp

secret = pyotp.random_base32()
totp = pyotp.TOTP(secret, name="alice@example.com", issuer="Example Co")
print("secret:         ", secret)
print("provisioning URI:", totp.provisioning_uri())
code = totp.now()
print("current code:   ", code)
print("verifies:       ", totp.verify(code))
