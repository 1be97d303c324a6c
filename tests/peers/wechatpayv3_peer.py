"""The PyPI package wechatpayv3 (2.x) as an independent peer of luffy's WeChat Pay code.

Reads one JSON request on stdin, answers one JSON object on stdout. Only the package's
offline helpers are used (build_authorization, rsa_sign, rsa_verify, aes_decrypt), plus the
`cryptography` AESGCM it is built on to encrypt (the package only decrypts).
"""

import json
import sys
import time
from base64 import b64encode
from unittest import mock

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from wechatpayv3.utils import (
    aes_decrypt,
    build_authorization,
    load_private_key,
    load_public_key,
    rsa_sign,
    rsa_verify,
)


def key_text(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def main():
    request = json.load(sys.stdin)
    op = request["op"]
    if op == "build_authorization":
        key = load_private_key(key_text(request["private_key"]))
        with mock.patch("time.time", return_value=float(request["timestamp"])):
            header = build_authorization(
                request["path"],
                request["method"],
                request["mchid"],
                request["serial_no"],
                key,
                data=request["body"] or None,
                nonce_str=request["nonce"],
            )
        answer = {"authorization": header}
    elif op == "rsa_verify":
        key = load_public_key(key_text(request["public_key"]))
        answer = {
            "valid": rsa_verify(
                request["timestamp"], request["nonce"], request["body"], request["signature"], key
            )
        }
    elif op == "aes_decrypt":
        answer = {
            "plaintext": aes_decrypt(
                request["nonce"], request["ciphertext"], request["associated_data"], request["key"]
            )
        }
    elif op == "sign_and_encrypt":
        # What WeChat Pay sends, produced by the peer: a sealed resource and a signature over
        # the envelope.
        key = load_private_key(key_text(request["private_key"]))
        sealed = AESGCM(request["key"].encode()).encrypt(
            request["nonce"].encode(), request["plaintext"].encode(), request["associated_data"].encode()
        )
        envelope = {
            "id": "peer-1",
            "create_time": "2026-12-02T18:30:00+08:00",
            "event_type": request["event_type"],
            "resource_type": "encrypt-resource",
            "summary": "peer",
            "resource": {
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": b64encode(sealed).decode(),
                "associated_data": request["associated_data"],
                "original_type": request["associated_data"],
                "nonce": request["nonce"],
            },
        }
        body = json.dumps(envelope, ensure_ascii=False)
        timestamp = str(int(time.time()))
        signature = rsa_sign(key, "%s\n%s\n%s\n" % (timestamp, request["sign_nonce"], body))
        answer = {"body": body, "timestamp": timestamp, "signature": signature}
    else:
        raise SystemExit("unknown op " + op)
    json.dump(answer, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
