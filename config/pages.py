"""The public pages of the DSFR footer: accessibility statement, legal notice, personal data
and site map. Static text in templates/pages/; the site map is generated from SITE_MAP."""

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from config import guides
from config.rgaa import audit
from retention import policy


@dataclass(frozen=True)
class Entry:
    url_name: str
    label: Promise
    kwargs: tuple[tuple[str, str], ...] = ()

    @property
    def url(self) -> str:
        return reverse(self.url_name, kwargs=dict(self.kwargs))


# The site map: every page one reaches from a menu, by audience. A new page that a person
# reaches directly (not a step inside a file) gets a line here.
SITE_MAP: list[tuple[Promise, list[Entry]]] = [
    (
        _("Pour tous"),
        [
            Entry("home", _("Accueil")),
            Entry("derogations:verify", _("Vérifier l'authenticité d'un courrier")),
            Entry("pages:applicant_guide", _("Avis aux demandeurs")),
            Entry("pages:professional_guide", _("Utiliser un dispositif sous dérogation")),
            Entry("accounts:login", _("Se connecter")),
            Entry("pages:accessibility", _("Déclaration d'accessibilité")),
            Entry("pages:legal", _("Mentions légales")),
            Entry("pages:privacy", _("Données personnelles")),
            Entry("pages:sitemap", _("Plan du site")),
        ],
    ),
    (
        _("Opérateurs (après connexion)"),
        [
            Entry("derogations:dashboard", _("Mes demandes")),
            Entry(
                "derogations:create",
                _("Nouvelle demande individuelle"),
                (("kind", "individual"),),
            ),
            Entry("derogations:create", _("Nouvelle demande globale"), (("kind", "global"),)),
        ],
    ),
    (
        _("Professionnels de santé (après connexion)"),
        [Entry("derogations:pro_dashboard", _("Les décisions qui vous concernent"))],
    ),
    (
        _("Agents de l'ANSM (après connexion)"),
        [
            Entry("reviews:queue", _("File d'instruction")),
            Entry("retention:runs", _("Conservation des données")),
        ],
    ),
]


@require_safe
def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessibility statement, generated from the RGAA audit grid (config/rgaa/)."""
    return render(request, "pages/accessibility.html", {"audit": audit.current()})


@require_safe
def legal(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/legal.html")


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    # The retention durations come from the settings (retention.policy), never copied here.
    return render(
        request,
        "pages/privacy.html",
        {"rules": policy.rules(), "draft_warning": policy.draft_warning_text()},
    )


@require_safe
def sitemap(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/sitemap.html", {"sections": SITE_MAP})


app_name = "pages"
urlpatterns = [
    path("accessibilite/", accessibility, name="accessibility"),
    path("mentions-legales/", legal, name="legal"),
    path("donnees-personnelles/", privacy, name="privacy"),
    path("plan-du-site/", sitemap, name="sitemap"),
    path("avis-aux-demandeurs/", guides.applicant_guide, name="applicant_guide"),
    path("avis-aux-demandeurs.pdf", guides.applicant_guide_pdf, name="applicant_guide_pdf"),
    path(
        "professionnels/utiliser-un-dispositif-sous-derogation/",
        guides.professional_guide,
        name="professional_guide",
    ),
]
