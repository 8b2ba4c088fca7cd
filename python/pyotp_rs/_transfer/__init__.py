"""The readers behind :mod:`pyotp_rs.transfer`: the account model, otpauth lists, the JSON and CSV
exports of other authenticators, and QR-code images."""
