"""Write docs/rgaa.md from the RGAA audit (config/rgaa/); --check only says whether the
committed file is up to date (exit status 1 if not)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.rgaa import audit, report


class Command(BaseCommand):
    help = "Write docs/rgaa.md from the RGAA audit grid (config/rgaa/)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="Fail if docs/rgaa.md is not up to date."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        text = report.render(audit.load())
        if options["check"]:
            if not report.DOCUMENT.exists() or report.DOCUMENT.read_text(encoding="utf-8") != text:
                raise CommandError("docs/rgaa.md is out of date: run manage.py rgaa_report")
            return
        report.DOCUMENT.write_text(text, encoding="utf-8")
        self.stdout.write(f"{report.DOCUMENT.name}: {len(text.splitlines())} lines")
