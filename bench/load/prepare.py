"""Accounts and data the load test needs, on top of the demo data (seed_demo).

    python -m bench.load.prepare OUTPUT.json [--evaluators N]

Evaluator accounts: one per simulated evaluator, because a TOTP code is accepted once per
device (two simulated evaluators sharing an account would refuse each other's code). Each
gets the demo's published TOTP secret. Writes what the locustfile reads: accounts, password,
TOTP secret, and the verification codes of issued letters (for the public verification page).
"""

import argparse
import json
import os
import sys


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("output")
    parser.add_argument("--evaluators", type=int, default=20)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
    import django

    django.setup()
    from django.utils import timezone

    from accounts import second_factor
    from accounts.enums import Role
    from accounts.models import Membership, User
    from derogations.enums import DecisionState
    from derogations.management.commands.seed_demo import DEMO_TOTP_SECRET, PASSWORD
    from derogations.models import Decision

    evaluators = []
    for index in range(args.evaluators):
        user, _created = User.objects.update_or_create(
            email=f"charge.evaluateur{index}@ansm.example",
            defaults={
                "role": Role.EVALUATOR,
                "first_name": "Charge",
                "last_name": f"Évaluateur {index}",
                "is_active": True,
                "email_verified_at": timezone.now(),
            },
        )
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        second_factor.set_demo_device(user, DEMO_TOTP_SECRET)
        evaluators.append(user.email)
    operators = sorted(
        Membership.objects.filter(user__role=Role.OPERATOR, user__is_active=True)
        .values_list("user__email", flat=True)
        .distinct()
    )
    codes = list(
        Decision.objects.filter(state=DecisionState.ISSUED)
        .exclude(verification_code__isnull=True)
        .values_list("verification_code", flat=True)
    )
    if not operators or not codes:
        raise SystemExit("prepare: no demo operators or issued letters (run seed_demo first)")
    with open(args.output, "w", encoding="utf-8") as out:
        json.dump(
            {
                "password": PASSWORD,
                "totp_secret": DEMO_TOTP_SECRET,
                "operators": operators,
                "evaluators": evaluators,
                "verification_codes": codes,
            },
            out,
            indent=2,
        )
    print(f"prepare: {len(operators)} operators, {len(evaluators)} evaluators, {len(codes)} codes")


if __name__ == "__main__":
    main(sys.argv[1:])
