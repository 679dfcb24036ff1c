"""A contract test of a Weavr and a LoanPro integration against the
sandbox's container, with nothing but Python's standard library.

    docker run -d -p 8080:8080 --add-host host.docker.internal:host-gateway fintech-sandbox
    SANDBOX_URL=http://127.0.0.1:8080 python3 -m unittest -v examples/python/test_contract.py

SANDBOX_URL is the sandbox; RECEIVER_HOST is the name the sandbox reaches
this process by (host.docker.internal from a container started with
--add-host host.docker.internal:host-gateway; 127.0.0.1 for a sandbox
started with `go run ./cmd/sandbox`). Every request carries this run's
own X-Sandbox-Session, so parallel runs never see each other's changes.
"""

import base64
import hashlib
import hmac
import http.server
import json
import os
import queue
import threading
import unittest
import urllib.error
import urllib.request
import uuid

SANDBOX = os.environ.get("SANDBOX_URL", "http://127.0.0.1:8080").rstrip("/")
RECEIVER_HOST = os.environ.get("RECEIVER_HOST", "host.docker.internal")
ADMIN_TOKEN = os.environ.get("SANDBOX_ADMIN_TOKEN", "")
API_KEY = "sandbox-api-key"
SESSION = "py-" + uuid.uuid4().hex[:12]
LOANPRO = SANDBOX + "/api/public/api/1/odata.svc"
LOANPRO_HEADERS = {"Authorization": "Bearer sandbox-token", "Autopal-Instance-Id": "5200000"}


def call(method, url, body=None, headers=None):
    """One request; returns (status, parsed JSON body or None)."""
    h = {"X-Sandbox-Session": SESSION, **(headers or {})}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    return status, (json.loads(raw) if raw else None)


def weavr_signature_ok(headers, raw_body, api_key):
    """Weavr's signature-v2: base64(HMAC-SHA256(api key, call-ref + body + published-timestamp))."""
    h = {k.lower(): v for k, v in headers.items()}  # the sandbox sends Call-Ref, Signature-V2, ...
    msg = h["call-ref"].encode() + raw_body + h["published-timestamp"].encode()
    want = base64.b64encode(hmac.new(api_key.encode(), msg, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(want, h.get("signature-v2", ""))


class Receiver(http.server.BaseHTTPRequestHandler):
    deliveries = queue.Queue()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        Receiver.deliveries.put((self.path, dict(self.headers.items()), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


class WeavrAndLoanProContract(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Every interface: a container does not share this host's loopback.
        cls.receiver = http.server.ThreadingHTTPServer(("0.0.0.0", 0), Receiver)
        threading.Thread(target=cls.receiver.serve_forever, daemon=True).start()
        port = cls.receiver.server_address[1]
        admin = {"Authorization": "Bearer " + ADMIN_TOKEN} if ADMIN_TOKEN else {}
        status, _ = call("PUT", f"{SANDBOX}/__sandbox/sessions/{SESSION}/webhooks",
                         {"url": f"http://{RECEIVER_HOST}:{port}/hooks"}, admin)
        assert status == 200, f"setting this session's webhook URL: {status}"

    @classmethod
    def tearDownClass(cls):
        admin = {"Authorization": "Bearer " + ADMIN_TOKEN} if ADMIN_TOKEN else {}
        call("DELETE", f"{SANDBOX}/__sandbox/sessions/{SESSION}", headers=admin)
        cls.receiver.shutdown()

    def test_weavr_journey(self):
        status, body = call("POST", SANDBOX + "/multi/login_with_password",
                            {"email": "alice@example.com", "password": {"value": "Passw0rd!"}},
                            {"api-key": API_KEY})
        self.assertEqual(status, 200, body)
        auth = {"api-key": API_KEY, "Authorization": "Bearer " + body["token"]}

        address = {"addressLine1": "1 Dock St", "city": "Leith", "postCode": "EH6 6AA", "country": "GB"}
        status, body = call("PATCH", SANDBOX + "/multi/consumers", {"address": address}, auth)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["rootUser"]["address"]["addressLine1"], "1 Dock St")

        # Weavr's rule, not a scripted answer: bob already has this email.
        status, body = call("PATCH", SANDBOX + "/multi/consumers", {"email": "bob@example.com"}, auth)
        self.assertEqual((status, body), (409, {"errorCode": "EMAIL_NOT_UNIQUE"}))

        status, body = call("POST", SANDBOX + "/multi/consumers/kyc", {}, auth)
        self.assertEqual(status, 200, body)
        path, headers, raw = Receiver.deliveries.get(timeout=20)
        self.assertEqual(path, "/hooks/consumers/kyc/watch")
        self.assertTrue(weavr_signature_ok(headers, raw, API_KEY), headers)
        event = json.loads(raw)
        self.assertEqual(event["consumerEmail"], "alice@example.com")
        self.assertEqual(event["status"], "INITIATED")

    def test_loanpro_update(self):
        status, body = call("PUT", LOANPRO + "/Customers(1)", {"firstName": "Johnny"}, LOANPRO_HEADERS)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["d"]["firstName"], "Johnny")
        status, body = call("GET", LOANPRO + "/Customers(1)", headers=LOANPRO_HEADERS)
        self.assertEqual((status, body["d"]["firstName"]), (200, "Johnny"))
        # LoanPro's duplicate-email warning: a 409 until the client ignores it.
        status, body = call("PUT", LOANPRO + "/Customers(1)", {"email": "jane.doe@example.com"}, LOANPRO_HEADERS)
        self.assertEqual(status, 409, body)


if __name__ == "__main__":
    unittest.main()
