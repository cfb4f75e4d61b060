"""Standard wordings of motivation, so that production starts with them (editable in the
Django admin). Each states the considerations of law and of fact (CRPA L211-2, L211-5);
the evaluator completes the bracketed parts."""

from django.db import migrations

LEGAL_BASIS = (
    "Vu le règlement (UE) 2017/746 du Parlement européen et du Conseil du 5 avril 2017 "
    "relatif aux dispositifs médicaux de diagnostic in vitro, notamment son article 54 ;\n"
    "Vu le code de la santé publique, notamment son article L. 5221-3 ;\n"
)

TEMPLATES = [
    (
        "grant",
        "Octroi — bénéfice établi, pas d'alternative marquée CE",
        LEGAL_BASIS
        + "Considérant que le dispositif est destiné à [indication] et que son utilisation "
        "présente un bénéfice significatif pour le(s) patient(s) concerné(s), le diagnostic "
        "conditionnant la prise en charge thérapeutique ;\n"
        "Considérant que les données de sécurité et de performance transmises, notamment "
        "[rapport d'évaluation des performances, données publiées], permettent de considérer "
        "que le dispositif atteint les performances revendiquées ;\n"
        "Considérant qu'aucun dispositif marqué CE répondant au même besoin n'est disponible "
        "sur le marché ;\n"
        "Considérant l'engagement de l'opérateur à obtenir le marquage CE du dispositif ;\n"
        "La mise à disposition du dispositif est autorisée dans les conditions fixées "
        "ci-après, dans l'intérêt de la santé publique et de la sécurité des patients.",
    ),
    (
        "grant",
        "Octroi — urgence vitale, patient unique",
        LEGAL_BASIS
        + "Considérant l'urgence vitale dans laquelle se trouve le patient désigné par la "
        "référence pseudonymisée figurant dans la demande, et l'absence de toute solution "
        "diagnostique marquée CE permettant d'établir le diagnostic dans les délais requis ;\n"
        "Considérant que les données de sécurité et de performance disponibles, bien que "
        "limitées, ne font pas apparaître de risque disproportionné au regard du bénéfice "
        "attendu ;\n"
        "La mise à disposition du dispositif est autorisée pour ce seul patient, sous la "
        "responsabilité du prescripteur, qui informe le patient et recueille son consentement.",
    ),
    (
        "grant",
        "Octroi — dérogation globale pour une durée limitée",
        LEGAL_BASIS
        + "Considérant que la population définie par les critères d'inclusion de la demande "
        "ne dispose d'aucune solution diagnostique marquée CE ;\n"
        "Considérant le bénéfice significatif attendu pour ces patients et les données de "
        "sécurité et de performance fournies ;\n"
        "Considérant que le marquage CE du dispositif est en cours auprès de l'organisme "
        "notifié [nom et numéro] ;\n"
        "La mise à disposition du dispositif est autorisée pour la population et jusqu'à la "
        "date de fin de validité mentionnées ci-après, dans la limite des quantités indiquées.",
    ),
    (
        "refusal",
        "Refus — alternative marquée CE disponible",
        LEGAL_BASIS
        + "Considérant que le dispositif [nom du dispositif marqué CE], marqué CE et disponible "
        "sur le marché français, répond au même besoin diagnostique pour l'indication "
        "considérée ;\n"
        "Considérant dès lors que la condition tenant à l'absence d'alternative n'est pas "
        "remplie ;\n"
        "La mise à disposition du dispositif n'est pas autorisée.",
    ),
    (
        "refusal",
        "Refus — données de sécurité et de performance insuffisantes",
        LEGAL_BASIS
        + "Considérant que les données transmises, [préciser : absence de rapport "
        "d'évaluation des performances, effectifs insuffisants, méthodologie non "
        "documentée], ne permettent pas d'apprécier la sécurité et les performances du "
        "dispositif ;\n"
        "Considérant qu'en l'absence de telles données le rapport entre le bénéfice attendu et "
        "les risques pour le patient ne peut être regardé comme favorable ;\n"
        "La mise à disposition du dispositif n'est pas autorisée.",
    ),
    (
        "refusal",
        "Refus — bénéfice significatif non démontré",
        LEGAL_BASIS
        + "Considérant que la demande ne démontre pas que l'utilisation du dispositif "
        "apporterait un bénéfice significatif au(x) patient(s) par rapport à la prise en "
        "charge disponible, [préciser] ;\n"
        "La mise à disposition du dispositif n'est pas autorisée.",
    ),
]


def seed(apps, schema_editor):
    MotivationTemplate = apps.get_model("reviews", "MotivationTemplate")
    for kind, title, body in TEMPLATES:
        MotivationTemplate.objects.get_or_create(
            title=title, defaults={"kind": kind, "body": body, "active": True}
        )


def unseed(apps, schema_editor):
    MotivationTemplate = apps.get_model("reviews", "MotivationTemplate")
    MotivationTemplate.objects.filter(title__in=[t[1] for t in TEMPLATES]).delete()


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_evaluation_grid_notes_templates")]

    operations = [migrations.RunPython(seed, unseed)]
