"""The operator's periodic reports on a derogation in force (issue 16).

The grant sets an interval in months (Decision.report_interval_months). A report is due at
each interval counted from the day of the grant, while the derogation is valid, and a last
one on its end date; a derogation is late when fewer reports were received than were due
before today. The operator files them on its file; the evaluator reads them on the file.
"""

import calendar
import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from .enums import DerogationStatus
from .lifecycle import DEFAULT_REPORT_INTERVAL_MONTHS, TransitionError, record_action
from .models import Derogation, DerogationRequest, PeriodicReport, Supply
from .supplies import may_declare

ACTION = "periodic_report"
# A global grant asks for a report every six months unless the evaluator says otherwise
# (our choice; the regulation leaves the conditions of a derogation to the authority).
# An individual grant (one patient) asks for none.
DEFAULT_INTERVAL_MONTHS = DEFAULT_REPORT_INTERVAL_MONTHS
MAX_INTERVAL_MONTHS = 24


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later, or the month's last day when it has fewer days
    (31 August + 6 months = 28 or 29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_dates(
    granted_on: datetime.date, interval_months: int | None, valid_until: datetime.date | None
) -> list[datetime.date]:
    """Each report's due date: every ``interval_months`` from the grant up to the end date,
    and the end date itself when the last interval stops before it. No interval or no end
    date (never the case of a global derogation): no due date."""
    if not interval_months or valid_until is None or valid_until <= granted_on:
        return []
    dates = []
    step = 1
    while (due := add_months(granted_on, step * interval_months)) < valid_until:
        dates.append(due)
        step += 1
    dates.append(valid_until)
    return dates


def granted_on(derogation: Derogation) -> datetime.date:
    """The local day the grant was signed (the derogation is created then)."""
    issued = derogation.grant.issued_at or derogation.created_at
    return timezone.localdate(issued)


def schedule(derogation: Derogation) -> list[datetime.date]:
    """This derogation's due dates (needs ``grant``, selected with it on lists)."""
    if derogation.status == DerogationStatus.LIFTED:
        # Lifted: supply stopped for good, no report is due after the lifting.
        lifted_on = timezone.localdate(derogation.status_changed_at or timezone.now())
        return [
            day
            for day in due_dates(
                granted_on(derogation),
                derogation.grant.report_interval_months,
                derogation.valid_until,
            )
            if day <= lifted_on
        ]
    return due_dates(
        granted_on(derogation), derogation.grant.report_interval_months, derogation.valid_until
    )


@dataclass(frozen=True)
class ReportStatus:
    due: list[datetime.date]  # every due date
    passed: int  # due dates before today
    received: int
    next_due: datetime.date | None

    @property
    def missing(self) -> int:
        return max(self.passed - self.received, 0)

    @property
    def is_late(self) -> bool:
        """A report that was due before today is missing ("En retard")."""
        return self.missing > 0


def report_status(
    derogation: Derogation, received: int, today: datetime.date | None = None
) -> ReportStatus:
    """Where the derogation's reports stand; ``received``: how many the operator filed
    (a list annotates it; a file page counts them)."""
    today = today or timezone.localdate()
    due = schedule(derogation)
    passed = sum(1 for day in due if day < today)
    upcoming = [day for day in due if day >= today]
    return ReportStatus(
        due=due, passed=passed, received=received, next_due=upcoming[0] if upcoming else None
    )


def next_period(
    derogation: Derogation, today: datetime.date | None = None
) -> tuple[datetime.date, datetime.date]:
    """The period the next report should cover: from the day after the last report's end
    (or the grant) to the next due date, never past today."""
    today = today or timezone.localdate()
    last = derogation.periodic_reports.order_by("-period_end").values_list("period_end", flat=True)
    start = last[0] + datetime.timedelta(days=1) if last else granted_on(derogation)
    start = min(start, today)
    ends = [day for day in schedule(derogation) if day >= start]
    end = min(ends[0], today) if ends else today
    return start, end


def quantity_supplied(derogation: Derogation, start: datetime.date, end: datetime.date) -> int:
    """What the operator declared it supplied between these days (inclusive)."""
    total = Supply.objects.filter(
        derogation=derogation, supplied_on__gte=start, supplied_on__lte=end
    ).aggregate(total=Sum("quantity"))["total"]
    return total or 0


def refusal(derogation: Derogation | None) -> str | None:
    """Why no periodic report may be filed on this derogation, in French; None if it may."""
    if derogation is None:
        return _("Aucune dérogation n'est accordée sur cette demande.")
    if not derogation.grant.report_interval_months:
        return _("La décision d'octroi ne demande pas de rapport périodique.")
    return None


def period_problem(
    derogation: Derogation,
    start: datetime.date,
    end: datetime.date,
    today: datetime.date | None = None,
) -> str | None:
    """Why this period cannot be reported on, in French; None if it can."""
    today = today or timezone.localdate()
    if end < start:
        return _("La fin de la période doit suivre son début.")
    if end > today:
        return _("La période couverte ne peut pas finir dans le futur.")
    first = granted_on(derogation)
    if start < first:
        return _("La période ne peut pas commencer avant l'octroi de la dérogation (%(date)s).") % {
            "date": f"{first:%d/%m/%Y}"
        }
    return None


def submit_report(
    request: DerogationRequest, actor: User, data: dict[str, object]
) -> PeriodicReport:
    """File a periodic report (cleaned values of PeriodicReportForm) with its timeline
    entry; the right, the derogation and the period are checked under the row lock."""
    with transaction.atomic():
        locked = DerogationRequest.objects.select_for_update().get(pk=request.pk)
        if not may_declare(locked, actor):
            raise TransitionError(_("Vous n'avez pas le droit d'effectuer cette action."))
        derogation = Derogation.objects.filter(request=locked).select_related("grant").first()
        reason = refusal(derogation)
        if reason is not None or derogation is None:
            raise TransitionError(reason or "")
        problem = period_problem(derogation, data["period_start"], data["period_end"])  # type: ignore[arg-type]
        if problem is not None:
            raise TransitionError(problem)
        report = PeriodicReport.objects.create(
            derogation=derogation, submitted_by=actor, submitted_at=timezone.now(), **data
        )
        record_action(
            locked,
            actor,
            ACTION,
            _(
                "Rapport du %(start)s au %(end)s : %(quantity)s fournis, %(incidents)s "
                "incident(s) connu(s), marquage CE : %(step)s."
            )
            % {
                "start": f"{report.period_start:%d/%m/%Y}",
                "end": f"{report.period_end:%d/%m/%Y}",
                "quantity": report.quantity_supplied,
                "incidents": report.incidents_count,
                "step": report.get_ce_step_display(),
            },
        )
    return report
