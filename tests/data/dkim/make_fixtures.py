#!/usr/bin/python3
"""Makes the dkimpy-signed fixtures that dkim_test verifies (*.dkimpy.eml).

dkimpy (python3-dkim) is the reference: whatever it signs we must verify.
Run from this directory: /usr/bin/python3 make_fixtures.py
The signatures carry t= of the moment they were made, so regenerating
changes the files but not the expected results.
"""
import base64

import dkim

rsa_key = open("test.private", "rb").read()
ed_key = open("ed25519test.key", "rb").read()
message = open("test.message", "rb").read()
ed_message = open("ed25519test.msg", "rb").read()


def write(name, sig, msg):
    with open(name, "wb") as f:
        f.write(sig + msg)


write("rsa-relaxed-simple.dkimpy.eml",
      dkim.sign(message, b"test", b"example.com", rsa_key), message)
write("rsa-relaxed-relaxed.dkimpy.eml",
      dkim.sign(message, b"test", b"example.com", rsa_key,
                canonicalize=(b"relaxed", b"relaxed")), message)
write("rsa-simple-simple.dkimpy.eml",
      dkim.sign(message, b"test", b"example.com", rsa_key,
                canonicalize=(b"simple", b"simple")), message)
write("rsa-length.dkimpy.eml",
      dkim.sign(message, b"test", b"example.com", rsa_key, length=True),
      message + b"Appended after signing.\r\n")
write("rsa-identity.dkimpy.eml",
      dkim.sign(message, b"test", b"example.com", rsa_key,
                identity=b"user@sub.example.com"), message)
write("ed25519.dkimpy.eml",
      dkim.sign(ed_message, b"ed", b"example.com", ed_key,
                signature_algorithm=b"ed25519-sha256"), ed_message)
# Two signatures: ed25519 on top of rsa, as RFC 8463 suggests for transition.
rsa_signed = dkim.sign(message, b"test", b"example.com", rsa_key) + message
write("two-signatures.dkimpy.eml",
      dkim.sign(rsa_signed, b"ed", b"example.com", ed_key,
                signature_algorithm=b"ed25519-sha256"), rsa_signed)
write("rsa-sha1.dkimpy.eml",
      dkim.sign(message, b"test", b"example.com", rsa_key,
                signature_algorithm=b"rsa-sha1"), message)
