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

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts import tokens
from accounts.models import Invitation, Membership
from collaboration import links as expert_links
from collaboration import services as collaboration_services
from derogations import followup, incidents, joining
from derogations.enums import Kind, Status
from derogations.models import Decision, Derogation, DerogationRequest
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
    grant: Decision | None = None  # the grant of the GRANTED file (prescriber: dr.roux)
    invitation: Invitation | None = None
    unverified: object = None  # signed up, verification link not opened yet
    opinion: object = None  # an expert opinion asked on the file in review (issue 19)

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
    world.grant = Decision.objects.get(request=world.files[Status.GRANTED], kind="grant")
    world.code = world.grant.verification_code
    # The public registry: a global derogation in force, one suspended, one expired.
    for name in ("global_granted", "global_suspended", "global_expired"):
        world.files[name] = bring_to(
            factories.RequestFactory(
                organisation=org, created_by=users["operator"], global_kind=True
            ),
            Status.GRANTED,
            cast,
        )
    followup.suspend(world.files["global_suspended"], users["senior"], "Incident grave signalé.")
    Derogation.objects.filter(request=world.files["global_expired"]).update(
        valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    # The operator administers its organisation, with an invitation pending.
    Membership.objects.filter(user=users["operator"]).update(is_admin=True)
    world.invitation = factories.InvitationFactory(organisation=org, invited_by=users["operator"])
    world.unverified = factories.UserFactory(unverified=True, email="pas.encore@example.org")
    # A message each way on the file in review, and an expert asked for an opinion.
    in_review = world.files[Status.IN_REVIEW]
    collaboration_services.post_message(in_review, users["operator"], "Le lot 42 est-il visé ?", [])
    collaboration_services.post_message(
        in_review, users["evaluator"], "Oui : merci de confirmer la date de péremption.", [],
        answer_due=timezone.localdate() + datetime.timedelta(days=7),
    )  # fmt: skip
    world.opinion = collaboration_services.request_opinion(
        in_review, users["evaluator"], expert_name="Pr Jeanne Morel",
        expert_email="j.morel@univ.example", speciality="Génétique moléculaire",
        declared_interests="", question="La performance analytique est-elle suffisante ?",
        due_date=timezone.localdate() + datetime.timedelta(days=10),
        shared_fields=["device_name", "intended_purpose"], shared_attachments=[],
    )  # fmt: skip
    # Issue 16: a professional joined the global derogation; an incident to follow up.
    global_granted = Derogation.objects.get(request=world.files["global_granted"])
    joining.confirm_join(
        joining.JoinRequest(global_granted, "ide@chu-nord.example", "CHU Nord", "750000002"),
        None,
    )
    incidents.record_incident(
        world.files["global_granted"], declarant=None, declarant_email="ide@chu-nord.example",
        declarant_role="user", occurred_on=timezone.localdate(), severity="serious",
        device_lot="LOT-7", description="Résultat faux.", patient_outcome="Aucune.",
    )  # fmt: skip
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


def press_amendment(motivation: str) -> Callable:
    """The senior types ``motivation`` in the amendment of the proposal and saves."""

    def act(page) -> None:
        _no_browser_validation(page)
        page.locator("#id_amend-motivation").fill(motivation)
        with page.expect_navigation():
            page.get_by_role("button", name="Enregistrer les modifications").click()

    return act


def press_follow_up(name: str, button: str) -> Callable:
    """Post a follow-up act of a file page empty: its accordion is opened first (with
    JavaScript; without it, the section is always open)."""

    def act(page) -> None:
        _no_browser_validation(page)
        toggle = page.locator(f"button[aria-controls='acte-{name}']")
        if toggle.get_attribute("aria-expanded") == "false" and page.evaluate(
            "document.documentElement.hasAttribute('data-fr-js')"
        ):
            toggle.click()
        with page.expect_navigation():
            page.locator(f"#acte-{name}").get_by_role("button", name=button).click()

    return act


def press_first(button: str) -> Callable:
    """Post the first of several forms whose buttons share ``button`` in their name."""

    def act(page) -> None:
        _no_browser_validation(page)
        with page.expect_navigation():
            page.get_by_role("button", name=button).first.click()

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
class Url:
    """A page's address: its URL name (what the coverage test counts) and how to build it
    from the world."""

    url_name: str
    build: Callable[[World], str]

    def __call__(self, world: World) -> str:
        return self.build(world)


@dataclass(frozen=True)
class Visit:
    name: str
    url: Url
    act: Callable | None = None
    shot: bool = False  # part of the README screenshots


def url(name: str, *keys: str, query: str = "", **kwargs: object) -> Url:
    """A URL by name; ``keys`` name files of the world whose pk fill pk (and nothing else)."""

    def build(world: World) -> str:
        args = [world.pk(key) for key in keys]
        path = reverse(name, args=args, kwargs=kwargs or None)
        return path + (f"?{query}" if query else "")

    return Url(name, build)


def with_args(name: str, args: Callable[[World], list]) -> Url:
    """A URL by name whose arguments come from the world (tokens, decisions...)."""
    return Url(name, lambda world: reverse(name, args=args(world)))


verify_valid = Url(
    "derogations:verify", lambda world: reverse("derogations:verify") + f"?code={world.code}"
)


def step(key: str, slug: str) -> Url:
    return Url(
        "derogations:step", lambda world: reverse("derogations:step", args=[world.pk(key), slug])
    )


def reset_link(world: World) -> list:
    user = world.users["operator"]
    return [urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)]


def reference(key: str) -> Callable[[World], list]:
    return lambda world: [world.files[key].reference]


def join_token(world: World) -> list:
    derogation = Derogation.objects.get(request=world.files["global_granted"])
    return [joining.join_token(derogation, "dr.martin@chu-nord.example", "CHU Nord", "750000002")]


GRANT = with_args("derogations:pro_decision", lambda world: [world.grant.pk])


def expert_link(world: World) -> list:
    return [expert_links.link_token(world.opinion)]


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
    Visit("avis-aux-demandeurs", url("pages:applicant_guide")),
    Visit("utiliser-un-dispositif-sous-derogation", url("pages:professional_guide")),
    Visit("api-reference", url("api:reference")),
    Visit("registre", url("derogations:registry"), shot=True),
    Visit("registre-recherche-vide", url("derogations:registry", query="q=introuvable")),
    Visit("registre-filtre-invalide", url("derogations:registry", query="statut=inconnu")),
    Visit("registre-historique", url("derogations:registry_history")),
    Visit("registre-fiche", with_args("derogations:registry_detail", reference("global_granted"))),
    Visit(
        "registre-fiche-suspendue",
        with_args("derogations:registry_detail", reference("global_suspended")),
    ),
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
        Visit("inscription", url("accounts:signup")),
        Visit("inscription-erreurs", url("accounts:signup"), press("Créer mon compte")),
        Visit("inscription-envoyee", url("accounts:signup_done")),
        Visit(
            "confirmation-adresse",
            with_args(
                "accounts:verify_email", lambda w: [tokens.verification_token(w.unverified.pk)]
            ),
        ),
        Visit("confirmation-lien-invalide", with_args("accounts:verify_email", lambda w: ["x"])),
        Visit("confirmation-renvoyer", url("accounts:resend_verification")),
        Visit(
            "confirmation-renvoyer-erreurs",
            url("accounts:resend_verification"),
            fill_and_press({"Adresse électronique": "pas-un-courriel"}, "Recevoir un nouveau lien"),
        ),
        Visit(
            "invitation",
            with_args("accounts:invitation", lambda w: [tokens.invitation_token(w.invitation.pk)]),
        ),
        Visit(
            "invitation-inscription-erreurs",
            with_args(
                "accounts:invitation_signup",
                lambda w: [tokens.invitation_token(w.invitation.pk)],
            ),
            press("Créer mon compte"),
        ),
        Visit("mot-de-passe-oublie", url("accounts:password_reset")),
        Visit(
            "mot-de-passe-oublie-erreurs",
            url("accounts:password_reset"),
            fill_and_press(
                {"Adresse électronique": "pas-un-courriel"}, "Recevoir le lien de réinitialisation"
            ),
        ),
        Visit("mot-de-passe-oublie-envoye", url("accounts:password_reset_done")),
        Visit("mot-de-passe-nouveau", with_args("accounts:password_reset_confirm", reset_link)),
        Visit(
            "mot-de-passe-nouveau-erreurs",
            with_args("accounts:password_reset_confirm", reset_link),
            press("Enregistrer le nouveau mot de passe"),
        ),
        Visit(
            "mot-de-passe-lien-invalide",
            with_args("accounts:password_reset_confirm", lambda w: ["MQ", "invalide"]),
        ),
        Visit("mot-de-passe-reinitialise", url("accounts:password_reset_complete")),
        # The outside expert's signed link (issue 19).
        Visit("avis-expert", with_args("collaboration:expert", expert_link)),
        Visit(
            "avis-expert-erreurs",
            with_args("collaboration:expert", expert_link),
            press("Valider ma réponse"),
        ),
        Visit("avis-expert-lien-invalide", with_args("collaboration:expert", lambda w: ["x"])),
        # Issue 16: joining a global derogation from the registry.
        Visit("registre-inscription", with_args("derogations:join", reference("global_granted"))),
        Visit(
            "registre-inscription-erreurs",
            with_args("derogations:join", reference("global_granted")),
            press("Recevoir le lien d'inscription"),
        ),
        Visit("registre-inscription-confirmer", with_args("derogations:join_link", join_token)),
        Visit(
            "registre-inscription-lien-invalide",
            with_args("derogations:join_link", lambda w: ["lien-falsifie"]),
        ),
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
        Visit("fournitures", url("derogations:supplies", Status.GRANTED)),
        Visit(
            "fournitures-erreurs",
            url("derogations:supplies", Status.GRANTED),
            press("Déclarer la fourniture"),
        ),
        Visit(
            "fournitures-import-erreurs",
            url("derogations:supplies", Status.GRANTED),
            press("Importer les fournitures"),
        ),
        # An individual grant asks for no periodic report: the page says so.
        Visit("rapports-periodiques", url("derogations:reports", Status.GRANTED)),
        Visit(
            "dossier-complements-erreurs",
            url("derogations:detail", Status.AWAITING_COMPLEMENTS),
            press("Envoyer la réponse"),
        ),
        Visit(
            "accuse-de-reception", url("derogations:acknowledgment", Status.SUBMITTED), shot=True
        ),
        Visit("verification", url("derogations:verify")),
        Visit("profil", url("accounts:profile")),
        Visit("mot-de-passe-modifier", url("accounts:password_change")),
        Visit("jetons-api", url("api_tokens:list")),
        Visit("jetons-api-erreurs", url("api_tokens:list"), press("Créer le jeton")),
        Visit(
            "mot-de-passe-modifier-erreurs",
            url("accounts:password_change"),
            press("Changer le mot de passe"),
        ),
        Visit("double-authentification-activer", url("accounts:second_factor_setup")),
        Visit(
            "double-authentification-lien-invalide",
            with_args("accounts:second_factor_link", lambda w: ["lien-falsifie"]),
        ),
        Visit(
            "double-authentification-activer-erreurs",
            url("accounts:second_factor_setup"),
            fill_and_press({"Code à usage unique": "000"}, "Valider"),
        ),
        Visit(
            "organisation",
            with_args("accounts:organisation", lambda w: [w.files[Status.DRAFT].organisation_id]),
            shot=True,
        ),
        Visit(
            "organisation-invitation-erreurs",
            with_args("accounts:organisation", lambda w: [w.files[Status.DRAFT].organisation_id]),
            press("Envoyer l'invitation"),
        ),
        # The organisation's webhook (issue 20), empty then refused.
        Visit(
            "webhook",
            with_args("notifications:webhook", lambda w: [w.files[Status.DRAFT].organisation_id]),
        ),
        Visit(
            "webhook-erreurs",
            with_args("notifications:webhook", lambda w: [w.files[Status.DRAFT].organisation_id]),
            press("Enregistrer l'adresse"),
        ),
        # A file's thread (issue 19): messages with the agency.
        Visit("messages", url("collaboration:thread", Status.IN_REVIEW), shot=True),
        Visit(
            "messages-erreurs",
            url("collaboration:thread", Status.IN_REVIEW),
            press("Envoyer le message"),
        ),
        # The whole file as one download (issue 19), before it is asked for.
        Visit("dossier-complet", url("file_exports:page", Status.IN_REVIEW)),
        # Issue 17: the derogation's state filter, a suspended file, the withdrawal's errors
        # (its confirmation page: axe in tests/e2e/test_operator_professional_browser.py).
        Visit(
            "tableau-de-bord-derogations-suspendues",
            url("derogations:dashboard", query="derogation=suspended"),
        ),
        Visit("dossier-suspendu", url("derogations:detail", "global_suspended")),
        Visit(
            "retrait-erreurs",
            url("derogations:detail", Status.SUBMITTED),
            press("Retirer la demande"),
        ),
    ],
    "operator_new": [
        Visit("tableau-de-bord-vide", url("derogations:dashboard")),
    ],
    "professional": [
        # "Mes demandes" redirects a professional to their own space (issue 17).
        Visit("tableau-de-bord", url("derogations:pro_dashboard"), shot=True),
        Visit(
            "espace-professionnel", url("derogations:pro_dashboard", query="derogation=suspended")
        ),
        Visit(
            "espace-professionnel-filtre-invalide",
            url("derogations:pro_dashboard", query="derogation=inconnu&q=%3Cb%3E"),
        ),
        Visit("decision", GRANT, shot=True),
        Visit(
            "decision-consentement-erreurs",
            GRANT,
            press("Enregistrer l'information et le consentement"),
        ),
        Visit("incident", with_args("derogations:pro_incident", lambda w: [w.grant.pk])),
        Visit(
            "incident-erreurs",
            with_args("derogations:pro_incident", lambda w: [w.grant.pk]),
            press("Déclarer l'incident"),
        ),
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
        Visit("equipes-evaluation", url("reviews:teams")),
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
        Visit(
            "renvoi-courrier-erreurs", url("reviews:file", Status.GRANTED), press_first("Renvoyer")
        ),
        Visit("dossier-global", url("reviews:file", "global")),
        Visit("suivi", url("reviews:followup"), shot=True),
        Visit("suivi-filtre", url("reviews:followup", query="etat=toutes&kind=global")),
        Visit("suivi-vide", url("reviews:followup", query="q=introuvable")),
        Visit("dossier-global-suspendu", url("reviews:file", "global_suspended")),
        Visit(
            "dossier-suspension-erreurs",
            url("reviews:file", "global_granted"),
            press_follow_up("suspend", "Suspendre la dérogation"),
        ),
        Visit("file-instruction-tous", url("reviews:queue", query="status=tous")),
        Visit("boite-de-reception", url("notifications:inbox")),
        Visit("boite-de-reception-non-lus", url("notifications:inbox", query="non-lus")),
        Visit("courriels-instruction", url("notifications:email_preferences")),
        # A file's thread and its expert opinions (issue 19).
        Visit("messages-agent", url("collaboration:thread", Status.IN_REVIEW)),
        Visit("dossier-complet-agent", url("file_exports:page", Status.IN_REVIEW)),
        Visit("avis-experts", url("collaboration:opinions", Status.IN_REVIEW), shot=True),
        Visit(
            "avis-experts-erreurs",
            url("collaboration:opinions", Status.IN_REVIEW),
            press("Demander l'avis"),
        ),
        Visit(
            "dossier-incident-suivi-erreurs",
            url("reviews:file", "global_granted"),
            press("Prendre en compte l'incident"),
        ),
        Visit("conservation-des-donnees", url("retention:runs")),
    ],
    "senior": [
        Visit("file-instruction", url("reviews:queue")),
        Visit("dossier-a-valider", url("reviews:file", Status.DECISION_PROPOSED), shot=True),
        Visit(
            "dossier-renvoi-erreurs",
            url("reviews:file", Status.DECISION_PROPOSED),
            press("Renvoyer à l'évaluateur"),
        ),
        Visit(
            "dossier-modification-erreurs",
            url("reviews:file", Status.DECISION_PROPOSED),
            press_amendment("Considérant que le dispositif est destiné à [indication] ;"),
        ),
        Visit("dossier-refuse", url("reviews:file", Status.REFUSED)),
        Visit("suivi", url("reviews:followup")),
        Visit(
            "dossier-levee-erreurs",
            url("reviews:file", "global_suspended"),
            press_follow_up("lift", "Lever la dérogation"),
        ),
        Visit("a-signer", url("reviews:to_sign")),
    ],
}
