"""Hostile values for property-based tests (hypothesis): very long strings, control
characters, NUL bytes, unicode oddities, HTML and script, template syntax, SQL-ish strings,
huge numbers, dates out of range, several values for one field."""

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

NASTY = [
    "", " ", "\x00", "a\x00b", "\x1b[31m", "\x7f", "\u202egnp.exe", "\ufeff", "\u200b\u200d",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🙂", "e\u0301" * 50, "Ω" * 10, "\r\n" * 50, "\t",
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "</textarea><svg onload=alert(1)>",
    "{{ request.user.password }}", "{% debug %}", "{{ 7|add:7 }}", "{% load static %}",
    "' OR '1'='1", "'; DROP TABLE derogations_auditentry; --", "%s%s%s%n", "${jndi:ldap://x/a}",
    "9" * 40, "-" + "9" * 30, "1e309", "NaN", "-Infinity", "0x41", "2147483648", "-2147483649",
    "9223372036854775808", "-1", "0", "0000-00-00", "0001-01-01", "9999-12-31", "10000-01-01",
    "2024-02-30", "1899-12-31", "31/12/1999", "2024-13-01", "-0001-01-01", "true", "on", "None",
    "[]", "{}", "x" * 25_000, "é" * 6_000, "../../../../etc/passwd", "javascript:alert(1)",
    "//evil.example/", "https://evil.example/", "individual", "global", "other", "grant", "fr",
    "en", "email",
]  # fmt: skip

value = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=300),
    st.integers().map(str),
    st.dates().map(lambda d: d.isoformat()),
    st.floats().map(str),
)
# None: the field is not sent at all; a list: several values for one field.
field_value = st.one_of(st.none(), value, st.lists(value, min_size=2, max_size=3))
file_name = st.one_of(
    st.sampled_from(
        ["../../x.pdf", "a\x00b.pdf", "\u202efdp.exe", "x" * 400 + ".pdf", "<b>.pdf", ".pdf", ""]
    ),
    st.text(max_size=60).map(lambda s: s + ".pdf"),
)


def payloads(fields: tuple[str, ...]):
    """Dictionaries of form data over ``fields`` (some left out) plus a few unknown keys."""
    known = st.fixed_dictionaries({name: field_value for name in fields})
    extra = st.dictionaries(st.text(min_size=1, max_size=20), value, max_size=2)
    return st.tuples(known, extra).map(
        lambda pair: {
            **{k: v for k, v in pair[1].items() if k not in fields},
            **{k: v for k, v in pair[0].items() if v is not None},
        }
    )


# Bounded: every hostile-input test together stays well under 90 s on CI. CI is derandomized
# (same examples every run); locally the examples change from run to run.
_COMMON = {
    "max_examples": 5,
    "deadline": None,
    "database": None,  # one inner test function serves every form: no example database
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
}
settings.register_profile("ci", derandomize=True, print_blob=True, **_COMMON)
settings.register_profile("dev", **_COMMON)
# Bug hunting by hand: HYPOTHESIS_PROFILE=deep bash scripts/test.sh tests/security -k hostile
settings.register_profile("deep", **{**_COMMON, "max_examples": 60})
PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
settings.load_profile(PROFILE)
