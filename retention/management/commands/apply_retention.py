from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from retention import services


class Command(BaseCommand):
    help = (
        "Applies the retention policy (settings.RETENTION): anonymises or deletes what "
        "expired and logs the run. --dry-run counts what it would do and writes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count only, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        outcome = services.apply_retention(dry_run=options["dry_run"])
        self.stdout.write(f"{'kind':<18} examined anonymised deleted warned")
        for kind, tally in outcome.counts.items():
            self.stdout.write(
                f"{kind:<18} {tally.examined:>8} {tally.anonymised:>10} "
                f"{tally.deleted:>7} {tally.warned:>6}"
            )
        for error in outcome.errors:
            self.stderr.write(f"{error['kind']}: {error['error']}")
        if outcome.run is None:
            self.stdout.write("dry run: nothing written")
        else:
            self.stdout.write(f"run {outcome.run.pk} logged")
