"""THE list of pages the browser suite visits, per role and per state.

The accessibility test (tests/e2e/test_accessibility.py) runs axe on each of them and the
screenshot command photographs those marked ``shot``. A new page is covered by adding one
``Visit`` to ``VISITS`` under the role(s) that reach it; a new situation it needs goes in
``build_world``.

A visit is a URL (built from the world) and, optionally, an action that puts the page in a
state: a form posted with invalid input. Actions press buttons the way a person would;
``novalidate`` is forced so that the server's own error messages show. (The demo mailbox,
which exists only with DEBUG, has its own test.)
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse

from derogations.enums import Kind, Status
from derogations.models import Decision, DerogationRequest
from derogations.scenarios import Cast, bring_to
from tests import factories

ROLES = ["anonymous", "operator", "operator_new", "professional", "evaluator", "senior"]
EMAILS = {
    "operator": "claire.martin@labo.example",
    "operator_new": "hugo.bernard@autre-labo.example",
    "professional": "dr.roux@chu.example",  # the prescriber named by the factory's requests
    "evaluator": "evaluateur@ansm.example",
    "senior": "senior@ansm.example",
}
# Files of the operator's organisation, one per status the suite shows.
STATUSES = [
    Status.DRAFT,
    Status.SUBMITTED,
    Status.IN_REVIEW,
    Status.AWAITING_COMPLEMENTS,
    Status.DECISION_PROPOSED,
    Status.GRANTED,
    Status.REFUSED,
    Status.INADMISSIBLE,
    Status.WITHDRAWN,
]


@dataclass
class World:
    users: dict[str, object]
    files: dict[str, DerogationRequest] = field(default_factory=dict)
    code: str = ""

    def pk(self, name: str) -> int:
        return self.files[name].pk


def build_world() -> World:
    """Seed-like data: two organisations, every role, a file in each status, an empty draft."""
    org = factories.OrganisationFactory(name="Diagnostica Rara")
    other = factories.OrganisationFactory(name="EuroIVD Import")
    users = {
        "operator": factories.operator_of(org, email=EMAILS["operator"]),
        "operator_new": factories.operator_of(other, email=EMAILS["operator_new"]),
        "professional": factories.UserFactory(professional=True, email=EMAILS["professional"]),
        "evaluator": factories.UserFactory(evaluator=True, email=EMAILS["evaluator"]),
        "senior": factories.UserFactory(senior=True, email=EMAILS["senior"]),
    }
    cast = Cast(users["operator"], users["evaluator"], users["senior"])
    world = World(users=users)
    for status in STATUSES:
        req = factories.RequestFactory(organisation=org, created_by=users["operator"])
        world.files[status] = bring_to(req, status, cast)
    world.files["global"] = bring_to(
        factories.RequestFactory(organisation=org, created_by=users["operator"], global_kind=True),
        Status.SUBMITTED,
        cast,
    )
    # A draft with nothing in it: every step empty, the summary lists everything missing.
    world.files["empty"] = DerogationRequest.objects.create(
        organisation=org, created_by=users["operator"], kind=Kind.INDIVIDUAL
    )
    world.code = Decision.objects.get(
        request=world.files[Status.GRANTED], kind="grant"
    ).verification_code
    return world


# --- Actions that put a page in a state ---------------------------------------------------


def _no_browser_validation(page) -> None:
    page.evaluate("document.querySelectorAll('form').forEach(f => { f.noValidate = true; })")


def press(button: str) -> Callable:
    """Post the form of ``button`` as it is (empty or pre-filled)."""

    def act(page) -> None:
        _no_browser_validation(page)
        with page.expect_navigation():
            page.get_by_role("button", name=button).click()

    return act


def fill_and_press(values: dict[str, str], button: str) -> Callable:
    """Type invalid values in labelled fields, then post."""

    def act(page) -> None:
        _no_browser_validation(page)
        for label, value in values.items():
            page.get_by_label(label, exact=False).first.fill(value)
        with page.expect_navigation():
            page.get_by_role("button", name=button).click()

    return act


SAVE = "Enregistrer et continuer"


@dataclass(frozen=True)
class Visit:
    name: str
    url: Callable[[World], str]
    act: Callable | None = None
    shot: bool = False  # part of the README screenshots


def url(name: str, *keys: str, query: str = "", **kwargs: object) -> Callable[[World], str]:
    """A URL by name; ``keys`` name files of the world whose pk fill pk (and nothing else)."""

    def build(world: World) -> str:
        args = [world.pk(key) for key in keys]
        path = reverse(name, args=args, kwargs=kwargs or None)
        return path + (f"?{query}" if query else "")

    return build


def verify_valid(world: World) -> str:
    return reverse("derogations:verify") + f"?code={world.code}"


def step(key: str, slug: str) -> Callable[[World], str]:
    return lambda world: reverse("derogations:step", args=[world.pk(key), slug])


PUBLIC = [
    Visit("accueil", url("home"), shot=True),
    Visit("verification-vide", url("derogations:verify")),
    Visit("verification-code-inconnu", url("derogations:verify", query="code=ZZZZ-ZZZZ-ZZZZ")),
    Visit("verification-code-invalide", url("derogations:verify", query="code=%3F%3F")),
    Visit("verification-code-valide", verify_valid, shot=True),
    Visit("declaration-accessibilite", url("pages:accessibility")),
    Visit("mentions-legales", url("pages:legal")),
    Visit("donnees-personnelles", url("pages:privacy")),
    Visit("plan-du-site", url("pages:sitemap")),
]

VISITS: dict[str, list[Visit]] = {
    "anonymous": [
        *PUBLIC,
        Visit("connexion", url("accounts:login"), shot=True),
        Visit(
            "connexion-erreur",
            url("accounts:login"),
            fill_and_press(
                {"Adresse électronique": "inconnu@example.org", "Mot de passe": "mauvais"},
                "Se connecter",
            ),
        ),
        Visit("connexion-vide-erreur", url("accounts:login"), press("Se connecter")),
    ],
    "operator": [
        Visit("tableau-de-bord", url("derogations:dashboard"), shot=True),
        Visit("tableau-de-bord-filtre", url("derogations:dashboard", query="status=granted")),
        Visit("nouvelle-individuelle", url("derogations:create", kind="individual"), shot=True),
        Visit(
            "nouvelle-individuelle-erreurs",
            url("derogations:create", kind="individual"),
            fill_and_press({"Courriel de contact": "pas-un-courriel"}, SAVE),
        ),
        Visit("nouvelle-globale", url("derogations:create", kind="global")),
        Visit("etape-dispositif-vide", step("empty", "dispositif")),
        Visit(
            "etape-dispositif-erreurs",
            step("empty", "dispositif"),
            fill_and_press({"Courriel de contact": "pas-un-courriel"}, SAVE),
        ),
        Visit("etape-justification-vide", step("empty", "justification")),
        Visit("etape-justification-remplie", step(Status.DRAFT, "justification")),
        Visit("etape-patient-vide", step("empty", "patient")),
        Visit(
            "etape-patient-erreurs",
            step("empty", "patient"),
            fill_and_press(
                {
                    "Référence pseudonymisée du patient": "1 85 05 78 006 084 36",
                    "Courriel du prescripteur": "pas-un-courriel",
                },
                SAVE,
            ),
            shot=True,
        ),
        Visit("etape-pieces-vide", step("empty", "pieces")),
        Visit("etape-pieces-remplie", step(Status.DRAFT, "pieces"), shot=True),
        Visit("etape-pieces-erreurs", step("empty", "pieces"), press("Ajouter")),
        Visit("recapitulatif-incomplet", step("empty", "depot"), shot=True),
        Visit("recapitulatif-complet", step(Status.DRAFT, "depot")),
        Visit("recapitulatif-depot-refuse", step("empty", "depot"), press("Déposer la demande")),
        *[
            Visit(f"dossier-{status}", url("derogations:detail", status), shot=status == "granted")
            for status in STATUSES
        ],
        Visit("dossier-global", url("derogations:detail", "global")),
        Visit(
            "dossier-complements-erreurs",
            url("derogations:detail", Status.AWAITING_COMPLEMENTS),
            press("Envoyer la réponse"),
        ),
        Visit(
            "accuse-de-reception", url("derogations:acknowledgment", Status.SUBMITTED), shot=True
        ),
        Visit("verification", url("derogations:verify")),
    ],
    "operator_new": [
        Visit("tableau-de-bord-vide", url("derogations:dashboard")),
    ],
    "professional": [
        Visit("tableau-de-bord", url("derogations:dashboard"), shot=True),
    ],
    "evaluator": [
        Visit("file-instruction", url("reviews:queue"), shot=True),
        Visit(
            "file-instruction-filtres",
            url("reviews:queue", query="status=submitted&kind=individual&tri=-echeance"),
        ),
        Visit("file-instruction-vide", url("reviews:queue", query="q=introuvable")),
        Visit("tableau-de-bord-equipe", url("reviews:team_dashboard"), shot=True),
        Visit("tableau-de-bord-equipe-erreur", url("reviews:team_dashboard", query="periode=7")),
        Visit("dossier-depose", url("reviews:file", Status.SUBMITTED), shot=True),
        Visit(
            "dossier-irrecevable-erreurs",
            url("reviews:file", Status.SUBMITTED),
            press("Déclarer irrecevable"),
        ),
        Visit("dossier-en-instruction", url("reviews:file", Status.IN_REVIEW)),
        Visit(
            "dossier-complements-erreurs",
            url("reviews:file", Status.IN_REVIEW),
            press("Demander des compléments"),
        ),
        Visit(
            "dossier-proposition-erreurs",
            url("reviews:file", Status.IN_REVIEW),
            press("Proposer la décision"),
        ),
        Visit("dossier-attente-complements", url("reviews:file", Status.AWAITING_COMPLEMENTS)),
        Visit("dossier-decision-proposee", url("reviews:file", Status.DECISION_PROPOSED)),
        Visit("dossier-accorde", url("reviews:file", Status.GRANTED)),
        Visit("dossier-global", url("reviews:file", "global")),
    ],
    "senior": [
        Visit("file-instruction", url("reviews:queue")),
        Visit("dossier-a-valider", url("reviews:file", Status.DECISION_PROPOSED), shot=True),
        Visit(
            "dossier-renvoi-erreurs",
            url("reviews:file", Status.DECISION_PROPOSED),
            press("Renvoyer à l'évaluateur"),
        ),
        Visit("dossier-refuse", url("reviews:file", Status.REFUSED)),
    ],
}
