#!/usr/bin/env python3
"""Verify a netvet attestation with an independent DSSE implementation (securesystemslib).

usage: verify_dsse.py ENVELOPE PUBKEY_PEM IMAGE
Exit 0 when the envelope's signature verifies with the key (DSSE PAE, Ed25519), the payload is
an in-toto Statement v1 and its subject digest is the image's SHA-256; exit 1 otherwise.
"""
import hashlib
import json
import sys

from cryptography.hazmat.primitives import serialization
from securesystemslib.dsse import Envelope
from securesystemslib.signer import SSlibKey


def main(envelope_path: str, pubkey_path: str, image_path: str) -> int:
    with open(pubkey_path, "rb") as f:
        public = serialization.load_pem_public_key(f.read())
    spki = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    keyid = hashlib.sha256(spki).hexdigest()  # netvet's key id: SHA-256 of the SPKI DER
    key = SSlibKey.from_crypto(public, keyid=keyid)
    try:
        with open(envelope_path, encoding="utf-8") as f:
            envelope = Envelope.from_dict(json.load(f))
        envelope.verify([key], 1)
    except Exception as e:  # any failure is a failed verification
        print(f"FAILED: signature: {type(e).__name__}: {e}")
        return 1
    if envelope.payload_type != "application/vnd.in-toto+json":
        print(f"FAILED: payload type {envelope.payload_type}")
        return 1
    statement = json.loads(envelope.payload)
    if statement.get("_type") != "https://in-toto.io/Statement/v1":
        print(f"FAILED: statement type {statement.get('_type')}")
        return 1
    with open(image_path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    attested = statement["subject"][0]["digest"]["sha256"]
    if attested != digest:
        print(f"FAILED: digest mismatch: attested {attested}, image {digest}")
        return 1
    print(f"OK: {statement['subject'][0]['name']} verdict {statement['predicate']['verdict']}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
