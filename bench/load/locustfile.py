"""Load test: operators filing, evaluators working the queue and the public reading the
registry, at the same time, against a running portal (bench/load.sh starts one).

    locust -f bench/load/locustfile.py --host http://127.0.0.1:PORT --headless ...

Reads LOAD_FIXTURES (JSON written by bench/load/prepare.py: accounts, password, TOTP secret,
verification codes). Users per class: LOAD_OPERATORS, LOAD_EVALUATORS, LOAD_PUBLIC (the
total given to locust with -u must be their sum). Every request name starts with its class
("operator: ", "evaluator: ", "public: ") so the figures say who did what. A response that
is not what a person would see (login page again, error page, missing content) is a failure.
"""

import base64
import hashlib
import hmac
import itertools
import json
import os
import re
import struct
import time
from pathlib import Path

from locust import HttpUser, between, task

FIXTURES = json.loads(Path(os.environ["LOAD_FIXTURES"]).read_text(encoding="utf-8"))
PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)
STEP_DATA = {
    "dispositif": {
        "device_name": "Kit de charge PCR",
        "device_model": "LOAD-1",
        "device_reference": "REF-LOAD",
        "ivd_class": "C",
        "device_type": "kit",
        "manufacturer_name": "Diagnostica Rara",
        "intended_purpose": "Détection d'un variant rare (test de charge)",
        "regulatory_status": "never_ce",
    },
    "justification": {
        "justification": "Pas de solution marquée CE",
        "expected_benefit": "Traitement adapté",
        "safety_performance_data": "Rapport de performance",
        "alternatives": "Aucune",
        "ce_marking_plan": "Dépôt à l'organisme notifié en 2027",
    },
    "patient": {
        "patient_reference": "LT-CHUEX",
        "patient_age": "1975",
        "patient_indication": "Maladie rare",
        "urgency": "standard",
        "urgency_reason": "",
        "prescriber_name": "Dr Roux",
        "prescriber_email": "dr.roux@chu.example",
        "prescriber_rpps": "10000000017",
        "facility_name": "CHU Exemple",
        "facility_finess": "750000002",
        "director_name": "L. Garnier",
        "director_email": "direction@chu.example",
    },
}
DOCUMENTS = ("instructions_labelling", "performance_evaluation", "safety_risk")
_evaluator_accounts = itertools.count()
_operator_accounts = itertools.count()


def totp(secret: str, at: float | None = None) -> str:
    """RFC 6238 code (30 s, 6 digits, SHA-1), as an authenticator app computes it."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


class PortalUser(HttpUser):
    abstract = True
    wait_time = between(0.5, 2)
    prefix = ""

    def csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    def get(self, url: str, name: str, expect: str | None = None, contains: str | None = None):
        with self.client.get(url, name=f"{self.prefix}{name}", catch_response=True) as r:
            self.check(r, expect, contains)
            return r

    def post(self, url: str, name: str, data: dict, expect: str | None = None, **kwargs):
        data = {**data, "csrfmiddlewaretoken": self.csrf()}
        with self.client.post(
            url, data=data, name=f"{self.prefix}{name}", catch_response=True, **kwargs
        ) as r:
            self.check(r, expect)
            return r

    @staticmethod
    def check(response, expect: str | None, contains: str | None = None) -> None:
        if response.status_code >= 400:
            response.failure(f"HTTP {response.status_code} at {response.url}")
        elif expect is not None and not re.search(expect, response.url or ""):
            response.failure(f"landed on {response.url}, expected {expect}")
        elif contains is not None and contains not in (response.text or ""):
            response.failure(f"{response.url} does not contain {contains!r}")
        else:
            response.success()

    def log_in(self, email: str, expect: str) -> None:
        self.get("/compte/connexion/", "login page")
        self.post(
            "/compte/connexion/",
            "login",
            {"username": email, "password": FIXTURES["password"]},
            expect=expect,
        )


class Operator(PortalUser):
    """Signs in, opens the dashboard, files an individual request through the real forms
    (three steps, three documents, summary) and submits it."""

    fixed_count = int(os.environ.get("LOAD_OPERATORS", "3"))
    prefix = "operator: "

    def on_start(self) -> None:
        accounts = FIXTURES["operators"]
        self.email = accounts[next(_operator_accounts) % len(accounts)]
        self.log_in(self.email, r"/demandes/")

    @task
    def file_a_request(self) -> None:
        self.get("/demandes/", "dashboard", expect=r"/demandes/$")
        self.get("/demandes/nouvelle/individual/", "new request")
        response = self.post(
            "/demandes/nouvelle/individual/",
            "step 1 device",
            {**STEP_DATA["dispositif"], "contact_email": self.email, "next": ""},
            expect=r"/etapes/justification/$",
        )
        found = re.search(r"/demandes/(\d+)/", response.url or "")
        if not found:
            return
        base = f"/demandes/{found.group(1)}/etapes"
        self.post(
            f"{base}/justification/",
            "step 2 justification",
            {**STEP_DATA["justification"], "next": ""},
            expect=r"/etapes/patient/$",
        )
        self.post(
            f"{base}/patient/",
            "step 3 patient",
            {**STEP_DATA["patient"], "next": ""},
            expect=r"/etapes/pieces/$",
        )
        for category in DOCUMENTS:
            with self.client.post(
                f"{base}/pieces/",
                data={"category": category, "csrfmiddlewaretoken": self.csrf()},
                files={"files": (f"{category}.pdf", PDF, "application/pdf")},
                name=f"{self.prefix}step 4 document",
                catch_response=True,
            ) as r:
                self.check(r, r"/etapes/pieces/$")
        self.get(f"{base}/depot/", "step 5 summary")
        self.post(f"{base}/depot/", "submit", {"submit": ""}, expect=r"/accuse-de-reception/$")


class Evaluator(PortalUser):
    """Signs in with the second factor, then: queue, filtered, searched, a file opened."""

    fixed_count = int(os.environ.get("LOAD_EVALUATORS", "3"))
    prefix = "evaluator: "

    def on_start(self) -> None:
        accounts = FIXTURES["evaluators"]
        index = next(_evaluator_accounts)
        if index >= len(accounts):
            raise RuntimeError("more simulated evaluators than prepared accounts")
        self.log_in(accounts[index], r"/double-authentification/")
        self.post(
            "/compte/double-authentification/",
            "second factor",
            {"code": totp(FIXTURES["totp_secret"])},
            expect=r"/instruction/",
        )

    @task
    def work_the_queue(self) -> None:
        queue = self.get("/instruction/", "queue", expect=r"/instruction/$")
        self.get("/instruction/?status=submitted&kind=individual", "queue filtered")
        self.get("/instruction/?q=PCR", "queue search")
        files = re.findall(r'href="(/instruction/dossiers/\d+/)"', queue.text or "")
        if files:
            url = files[int(time.time() * 1000) % len(files)]
            self.get(url, "file", expect=r"/instruction/dossiers/\d+/$")


class Public(PortalUser):
    """Reads the registry and a derogation's detail, exports the CSV, checks a letter."""

    fixed_count = int(os.environ.get("LOAD_PUBLIC", "3"))
    prefix = "public: "

    @task
    def read_the_registry(self) -> None:
        details = []
        with self.client.get("/registre/", name=f"{self.prefix}registry", catch_response=True) as r:
            details = re.findall(r'href="(/registre/(?!historique/)[^"/?]+/)"', r.text or "")
            if r.status_code == 200 and details:
                r.success()
            else:
                r.failure(f"HTTP {r.status_code} or no derogation listed in the registry")
        if details:
            self.get(details[int(time.time() * 1000) % len(details)], "registry detail")
        self.get("/registre/export.csv", "registry CSV", contains=";")
        codes = FIXTURES["verification_codes"]
        code = codes[int(time.time() * 1000) % len(codes)]
        self.get(f"/verifier/?code={code}", "verification", contains="Ce courrier est authentique")
