"""Device identifiers (UDI-DI, Basic UDI-DI): normal form and the issuing entity's rules.

Under the IVDR (Art. 24 and Part C of Annex VI) a UDI-DI or a Basic UDI-DI is assigned by
one of the issuing entities the Commission designated (Implementing Decision (EU)
2019/939): GS1, HIBCC, ICCBBA and IFA. Each has its own syntax; what is checked here:

- **GS1**, a UDI-DI is a GTIN: 8, 12, 13 or 14 digits whose last is the mod-10 check digit
  (GS1 General Specifications, section 7.9.1, "Standard check digit calculations"); it may
  be typed with its application identifier "(01)". A GS1 Basic UDI-DI is a Global Model
  Number (GMN, AI 8013): a GS1 Company Prefix (at least 5 digits), a model reference in
  GS1 character set 82, then a pair of check characters computed modulo 1021 with the
  prime weights 83 ... 2 (GS1 General Specifications, section 7.9.5; GS1's reference
  implementation github.com/gs1/gmn-helpers, whose GenSpecs example
  1987654Ad4X4bL5ttr2310c2K our tests use). 8 to 25 characters, case-sensitive.
- **HIBCC**: the Health Industry Bar Code primary data (ANSI/HIBC 2.6, "Supplier Labeling
  Standard", section 2.1): the "+" flag, the 4-character Labeler Identification Code (a
  letter, then 3 letters or digits), the product or catalogue number (1 to 18 letters or
  digits) and a one-digit unit of measure. The symbol ends with the HIBC LIC check
  character: the sum of the values of every character (the "+" included) in the
  43-character set 0-9 A-Z - . space $ / + % (values 0 to 42), modulo 43 (the HIBC
  standard's table, reproduced in scanner manuals: Zebra DS9908 "Health Industry -
  HIBCC43", example "+A123BJC5D6E71" → "G"; esatclear.ie's example "+A1234BJC5D6E71" →
  "K"). A DI typed with that character (it is printed in the human-readable line) must
  carry the right one; one typed without it is checked by shape only, since the data alone
  cannot tell a missing check character from the unit of measure. (A check character
  "space", value 38, is lost when spaces are removed: such a code is read without it.)
- **ICCBBA** (ISBT 128 for medical devices, ICCBBA ST-001 data structure 034 "Processor
  Product Identification Code" and ST-011): an optional "=/" data identifier, the
  5-character Facility Identification Number (a letter then 4 letters or digits) and a
  product code of 6 letters or digits. For keyboard entry ISBT 128 adds a check character
  computed with ISO/IEC 7064 MOD 37-2 over the data (data identifier excluded): character
  values 0-9 → 0-9, A-Z → 10-35, "*" → 36; each value times 2^n (n its position from the
  right, from 1), summed; (38 - sum mod 37) mod 37 is the check value, written with the
  same table (UK Blood Services "Red Book", Annex 2 "ISBT 128 check character
  calculation": G123498654321 → H). A code typed with that 12th character must carry the
  right one; without it, the shape only is checked. ST-001's own text (which fields the
  keyboard check covers for data structure 034) was not available offline: we apply the
  Red Book's rule to the whole data content.

IFA's PPN-based identifiers (starting "-" or with the PPN's "11" prefix) are not accepted:
no IVD device in our files uses them (our choice; add a rule here if one comes).
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

GS1_AI_PREFIX = re.compile(r"^\(01\)")
GTIN_LENGTHS = frozenset({8, 12, 13, 14})

# GS1 AI encodable character set 82, in value order, and the 32 check characters.
CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
CSET32 = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
GMN_WEIGHTS = (83, 79, 73, 71, 67, 61, 59, 53, 47, 43, 41, 37, 31, 29, 23, 19, 17, 13, 11, 7, 5, 3, 2)  # fmt: skip
GMN_SHAPE = re.compile(r"^\d{5}[" + re.escape(CSET82) + r"]{1,18}[" + CSET32 + r"]{2}$")

HIBCC_SHAPE = re.compile(r"^\+[A-Z][A-Z0-9]{3}[A-Z0-9]{1,18}[0-9]$")
ICCBBA_SHAPE = re.compile(r"^(?:=/)?[A-Z][A-Z0-9]{4}[A-Z0-9]{6}$")
# With the check character typed after the data.
HIBC43 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%"
HIBCC_WITH_CHECK = re.compile(
    r"^(\+[A-Z][A-Z0-9]{3}[A-Z0-9]{1,18}[0-9])([" + re.escape(HIBC43) + r"])$"
)
MOD37 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*"
ICCBBA_WITH_CHECK = re.compile(r"^(?:=/)?([A-Z][A-Z0-9]{4}[A-Z0-9]{6})([0-9A-Z*])$")

MESSAGE = _(
    "Cet IUD-ID n'est pas reconnu. Saisissez un GTIN GS1 (8, 12, 13 ou 14 chiffres avec sa "
    "clé), un GMN GS1 (IUD-ID de base, avec ses 2 caractères de contrôle), un code HIBCC "
    "(« + », code fabricant de 4 caractères, référence, unité) ou un code ICCBBA (ISBT 128)."
)


def normalise_udi_di(value: str) -> str:
    """Spaces and the "(01)" application identifier removed; HIBCC and ICCBBA codes (which
    start with a sign or a letter) in capitals; a GS1 GMN (which starts with its company
    prefix's digits) is case-sensitive and kept as typed."""
    text = re.sub(r"\s+", "", value or "")
    text = GS1_AI_PREFIX.sub("", text)
    if text and not text[0].isdigit():
        return text.upper()
    return text


def gtin_is_valid(digits: str) -> bool:
    """GS1 mod-10: weights 3 and 1 from the right, the check digit excluded."""
    if not (digits.isascii() and digits.isdigit() and len(digits) in GTIN_LENGTHS):
        return False
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def gmn_check_characters(part: str) -> str:
    """The check character pair of a GMN without it (GS1 GenSpecs 7.9.5)."""
    offset = len(GMN_WEIGHTS) - len(part)
    total = sum(CSET82.index(c) * GMN_WEIGHTS[offset + i] for i, c in enumerate(part))
    total %= 1021
    return CSET32[total // 32] + CSET32[total % 32]


def gmn_is_valid(value: str) -> bool:
    if not (8 <= len(value) <= 25 and GMN_SHAPE.match(value)):
        return False
    return gmn_check_characters(value[:-2]) == value[-2:]


def hibcc_check_character(data: str) -> str:
    """The HIBC LIC check character of ``data`` (the "+" flag included): modulo 43."""
    return HIBC43[sum(HIBC43.index(c) for c in data) % 43]


def iso7064_mod37_2(data: str) -> str:
    """The ISO/IEC 7064 MOD 37-2 check character (ISBT 128 keyboard entry)."""
    total = sum(MOD37.index(c) * 2**n for n, c in enumerate(reversed(data), start=1))
    return MOD37[(38 - total % 37) % 37]


def hibcc_is_valid(value: str) -> bool:
    """With its check character (right) or without (shape only: see the module)."""
    if HIBCC_SHAPE.match(value):
        return True
    match = HIBCC_WITH_CHECK.match(value)
    return match is not None and hibcc_check_character(match[1]) == match[2]


def iccbba_is_valid(value: str) -> bool:
    """With its keyboard-entry check character (right) or without (shape only)."""
    if ICCBBA_SHAPE.match(value):
        return True
    match = ICCBBA_WITH_CHECK.match(value)
    return match is not None and iso7064_mod37_2(match[1]) == match[2]


def issuing_entity(value: str) -> str | None:
    """ "gs1", "hibcc" or "iccbba" for a valid normalised identifier; None otherwise."""
    if gtin_is_valid(value):
        return "gs1"
    if value.startswith("+"):
        return "hibcc" if hibcc_is_valid(value) else None
    if iccbba_is_valid(value):
        return "iccbba"
    if gmn_is_valid(value):
        return "gs1"
    return None


def validate_udi_di(value: str) -> None:
    """A UDI-DI or Basic UDI-DI in normal form, checked against its issuing entity's rules."""
    if value and issuing_entity(value) is None:
        raise ValidationError(MESSAGE, code="udi_di")


def normalise_srn(value: str) -> str:
    """An SRN as typed ("fr mf 000012345", "FR–MF–000012345") in its EUDAMED form."""
    text = re.sub(r"[\s_\-‐-―]+", "-", (value or "").strip()).upper()
    return text.strip("-")


def normalise_digits(value: str) -> str:
    """RPPS and SIRET typed with spaces, dots or dashes: the digits only."""
    return re.sub(r"[\s.\-]", "", value or "")
