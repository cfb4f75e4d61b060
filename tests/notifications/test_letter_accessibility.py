"""Every letter is a tagged PDF/UA-1 document (checked by the pdfua checker and by reading
its structure tree with pikepdf); dates are written with French ordinals; the grant and the
refusal say what they engage; the closing never stands alone on a page."""

import datetime
import io

import pikepdf
import pytest
from django.template import Context, Template
from django.utils import timezone, translation
from pdfua import Confidence, validate
from pypdf import PdfReader

from accounts.models import Organisation, User
from derogations import followup, lifecycle, scenarios
from derogations.enums import DecisionKind, DerogationStatus, Status
from derogations.models import Decision, Derogation, DerogationRequest
from derogations.scenarios import Cast
from derogations.templatetags.french_dates import long_date
from notifications import letters
from tests import factories

AUTHOR = "Agence nationale de sécurité du médicament et des produits de santé (ANSM)"
# pdfua 0.1.3's empty-heading rule (UA-14-001) raises on WeasyPrint's heading elements whose
# /K is an array of marked-content ids; the checker reports it as skipped, never as passed.
CHECKER_BUGS = {"UA-14-001"}
# WeasyPrint ties each data cell to its headers with /Headers and /ID (checked below), not
# with /Scope, which this heuristic warning of the checker looks for on the header cells.
ASSOCIATED_BY_HEADERS = "UA-15-003"


def _elements(node: object):
    """Every structure element under ``node``, depth first."""
    if isinstance(node, pikepdf.Array):
        for child in node:
            yield from _elements(child)
    elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
        yield node
        if "/K" in node:
            yield from _elements(node.K)


def ua_problems(pdf: bytes, path, *, with_qr: bool = True) -> list[str]:
    """What keeps ``pdf`` from being a tagged, described PDF/UA-1 document (empty: none)."""
    path.write_bytes(pdf)
    report = validate(str(path))
    problems = [
        f"{finding.rule_id}: {finding.message}"
        for finding in report.findings
        if not (
            finding.rule_id == ASSOCIATED_BY_HEADERS and finding.confidence is Confidence.HEURISTIC
        )
    ]
    problems += [
        f"{outcome.rule_id} not checked: {outcome.skipped_reason}"
        for outcome in report.outcomes
        if outcome.skipped_reason and outcome.rule_id not in CHECKER_BUGS
    ]
    with pikepdf.open(io.BytesIO(pdf)) as document:
        root = document.Root
        if not (root.get("/MarkInfo") and root.MarkInfo.get("/Marked")):
            problems.append("not marked as tagged")
        if str(root.get("/Lang", "")) != "fr":
            problems.append("language is not fr")
        if not root.get("/ViewerPreferences", {}).get("/DisplayDocTitle"):
            problems.append("the viewer does not show the title")
        info = document.docinfo
        if not str(info.get("/Title", "")).strip():
            problems.append("no title")
        if str(info.get("/Author", "")) != AUTHOR:
            problems.append("no author")
        if not str(info.get("/CreationDate", "")).startswith("D:"):
            problems.append("no creation date")
        with document.open_metadata() as xmp:
            if xmp.get("pdfuaid:part") != "1":
                problems.append("no PDF/UA-1 identification in the XMP metadata")
        if "/StructTreeRoot" not in root:
            return [*problems, "no structure tree"]
        elements = list(_elements(root.StructTreeRoot.K))
        roles = [str(element.S) for element in elements]
        if "/H1" not in roles:
            problems.append("no level-one heading")
        figures = [element for element in elements if element.S == "/Figure"]
        if with_qr and [str(f.get("/Alt", "")) for f in figures] != [letters.QR_ALT]:
            problems.append("the QR code is not the one figure with its alternative text")
        header_ids = {str(e.ID) for e in elements if e.S == "/TH" and "/ID" in e}
        for cell in (element for element in elements if element.S == "/TD"):
            headers = {str(h) for h in cell.get("/A", {}).get("/Headers", [])}
            if not headers or not headers <= header_ids:
                problems.append("a table cell is not tied to its header")
                break
    return problems


def text_of(pdf: bytes) -> str:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def stored(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


@pytest.mark.rgaa("13.3")  # tests/e2e/rgaa_checks.py CHECKS["documents-pdf"]
@pytest.mark.django_db(transaction=True)
def test_every_letter_is_tagged_pdf_ua_and_says_what_it_engages(
    org_a, operator_a, evaluator, senior, other_senior, tmp_path
):
    cast = Cast(operator_a, evaluator, other_senior)
    granted = factories.RequestFactory(organisation=org_a, created_by=operator_a, global_kind=True)
    scenarios.bring_to(granted, Status.GRANTED, cast)
    followup.suspend(granted, evaluator, "Deux incidents graves déclarés sur le lot 42.")
    followup.resume(granted, senior, "Cause identifiée, lot retiré.")
    followup.change_conditions(granted, senior, "Suivi renforcé.", "Registre des patients.")
    followup.lift(granted, senior, "Risque grave confirmé.")
    asked = factories.RequestFactory(organisation=org_a, created_by=operator_a)
    scenarios.bring_to(asked, Status.AWAITING_COMPLEMENTS, cast)
    refused = factories.RequestFactory(organisation=org_a, created_by=operator_a)
    scenarios.bring_to(refused, Status.REFUSED, cast)
    inadmissible = factories.RequestFactory(organisation=org_a, created_by=operator_a)
    scenarios.bring_to(inadmissible, Status.INADMISSIBLE, cast)
    withdrawn = factories.RequestFactory(organisation=org_a, created_by=operator_a)
    scenarios.bring_to(withdrawn, Status.SUBMITTED, cast)
    lifecycle.withdraw(withdrawn, operator_a, "Le patient a été transféré.")
    ended = factories.RequestFactory(organisation=org_a, created_by=operator_a, global_kind=True)
    scenarios.bring_to(ended, Status.GRANTED, cast)
    Derogation.objects.filter(request=ended).update(
        valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    followup.expire(ended)

    acts = Decision.objects.filter(
        request__in=[granted, asked, refused, inadmissible, withdrawn, ended]
    ).select_related("request")
    assert {act.kind for act in acts} == set(DecisionKind.values)
    failures = {}
    for act in acts:
        act.refresh_from_db()
        problems = ua_problems(stored(act.letter), tmp_path / f"{act.kind}-{act.pk}.pdf")
        if problems:
            failures[act.kind] = problems
    grant = acts.get(request=granted, kind=DecisionKind.GRANT)
    sheet = grant.union_notification
    sheet.refresh_from_db()
    failures["union_sheet"] = ua_problems(stored(sheet.sheet), tmp_path / "sheet.pdf")
    patient_sheet = letters.render_patient_sheet(grant, str(DerogationStatus.ACTIVE.label))
    failures["patient_sheet"] = ua_problems(patient_sheet, tmp_path / "patient.pdf", with_qr=False)
    assert {kind: problems for kind, problems in failures.items() if problems} == {}

    text = text_of(stored(grant.letter))
    assert (
        "La présente décision engage la responsabilité de l'Agence, du fabricant et du praticien."
        in text
    )
    assert "Elle ne remplace pas le marquage CE du dispositif" in text
    assert "ni les études des performances dont le fabricant reste redevable" in text
    refusal = text_of(stored(acts.get(kind=DecisionKind.REFUSAL).letter))
    assert "L'opérateur ne doit pas mettre le dispositif à disposition" in refusal
    assert "engage la responsabilité" not in refusal

    # The Art. 54(2) sheet: titled and addressed to the Commission and the Member States.
    sheet_text = text_of(stored(sheet.sheet))
    assert "Commission européenne / European Commission" in sheet_text
    assert "Autorités compétentes des États membres" in sheet_text
    assert granted.organisation.siret not in sheet_text  # not addressed to the operator
    with pikepdf.open(io.BytesIO(stored(sheet.sheet))) as document:
        assert str(document.docinfo.Title).startswith(
            "Notification à la Commission européenne et aux États membres"
        )


def test_long_date_writes_the_first_of_the_month_as_an_ordinal():
    with translation.override("fr"):
        assert long_date(datetime.date(2027, 6, 1)) == "1er juin 2027"
        assert long_date(datetime.date(2027, 6, 2)) == "2 juin 2027"
        assert long_date(datetime.date(2027, 6, 11)) == "11 juin 2027"
        # A datetime is read in local time (Europe/Paris): 23:30 UTC on 31 May is 1 June.
        moment = datetime.datetime(2027, 5, 31, 23, 30, tzinfo=datetime.UTC)
        assert long_date(moment) == "1er juin 2027"
        assert long_date(None) == ""
        rendered = Template("{% load french_dates %}{{ d|long_date }}").render(
            Context({"d": datetime.date(2028, 1, 1)})
        )
        assert rendered == "1er janvier 2028"


def _letter(kind: str, purpose_lines: int, valid_until: datetime.date) -> bytes:
    """A letter drawn from unsaved objects, its facts table ``purpose_lines`` lines longer."""
    organisation = Organisation(name="Laboratoire A", siret="12345678901234")
    request = DerogationRequest(
        pk=1,
        organisation=organisation,
        reference="DER-IND-2027-00001",
        kind="individual",
        device_name="GenoRare PCR Kit",
        manufacturer_name="GenoDiag",
        intended_purpose="\n".join(f"Indication {n}" for n in range(purpose_lines)),
        submitted_at=timezone.now(),
        patient_reference="P-0001",
    )
    signatory = User(email="senior@ansm.example", first_name="Ana", last_name="Senior")
    decision = Decision(
        request=request,
        kind=kind,
        motivation="Considérant le bénéfice significatif attendu.",
        issued_at=timezone.now(),
        verification_code="ABCD-EFGH-JKMN",
        reviewed_by=signatory,
        valid_until=valid_until,
    )
    url = "https://portail.example/verifier/?code=ABCD-EFGH-JKMN"
    with translation.override("fr"):
        return letters.render_pdf(
            letters.letter_template(kind),
            {
                "decision": decision,
                "request": request,
                "grant": None,
                "derogation": None,
                "signatory": signatory,
                "verification_url": url,
                "file_url": "https://portail.example/demandes/1/",
                "qr_svg": letters._qr_svg(url),
            },
        )


# The first words of what closes a letter (appeal clause, signature, copies, QR code): a
# last page that starts with one of them holds nothing else.
CLOSING_STARTS = ("Voies et délais", "Pour le directeur", "Le pôle", "Copies", "Code de")


@pytest.mark.parametrize(
    ("kind", "purpose_lines"),
    # Lengths at which, without the closing block's rules, the last page of the
    # acknowledgment held only the QR block (0) or the signature and the QR block (8).
    [("acknowledgment", 0), ("acknowledgment", 8), ("grant", 4)],
)
def test_no_page_holds_only_the_signature_or_the_qr_code(kind, purpose_lines):
    pdf = _letter(kind, purpose_lines, valid_until=datetime.date(2027, 6, 1))
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) > 1  # the case under test: the closing is near a page break
    last = pages[-1].extract_text().strip()
    assert not last.startswith(CLOSING_STARTS), last[:200]
    if kind == "grant":
        assert "jusqu'au 1er juin 2027 inclus" in text_of(pdf)
