"""The annual work report (年度工作总结) and the leaders' dashboard, composed from live data.

Every figure is read from the owning service's own statistics RPC (the same answer its
statistics route gives), never recomputed from raw rows where the service has a figure.
The calls of one request run in parallel (an ``eventlet.GreenPool``), each bounded by
``REPORT_RPC_TIMEOUT`` seconds (15: on a busy two-core machine a county-sized year's vehicle
statistics took longer than the suite's 5 s ``RPC_TIMEOUT``). A section whose service fails is
answered ``unavailable`` with the reason; the others are complete and the report's status is
``partial``.

Who reads what: ``admin`` and ``leader`` read every section; an officer reads the section of
the service it runs (dispatcher → vehicles, facility_manager → facilities, reception_officer →
reception, energy_officer → energy); the other sections are left out of its answer.

The package: ``periods`` (settings and periods), ``fetch`` (the parallel calls), ``figures`` (what
each section reads), ``annual`` (who reads what, the composition, the annual report), ``dashboard``,
``schemas`` (what the routes take and answer) and ``render`` (Markdown, HTML, .xlsx).
"""
from __future__ import annotations

from services.kit.config import settings_from_env  # noqa: F401  first: ``services`` quiets eventlet's import notice

from gateway.report.periods import (  # noqa: F401
    ReportSettings, SETTINGS, Period, _year_back, period_of, local_today
)
from gateway.report.fetch import (  # noqa: F401
    Fetch, Unavailable, _fetch, run_all, SERVICE_NAMES, reason_of
)
from gateway.report.figures import (  # noqa: F401
    DISPATCH_LEDGER, FUEL_LEDGER, FLAG_RECORDS, REPAIR_LEDGER, INSPECTION_LEDGER, RECEPTION_LEDGER,
    CANTEEN_LEDGER, MEETING_LEDGER, VISITOR_LEDGER, ENERGY_LEDGER, REGISTERS, figure, dig, VEHICLE_FIGURES,
    REPAIR_FIGURES, INSPECTION_FIGURES, RECEPTION_FIGURES, ENERGY_FIGURES, WASTE_FIGURES, RETROFIT_FIGURES,
    ASSESSMENT_FIGURES, figures_from, vehicles_fetches, vehicles_figures, facilities_fetches, facilities_figures,
    reception_fetches, reception_figures, energy_fetches, energy_figures, BUILDERS, with_change
)
from gateway.report.annual import (  # noqa: F401
    SECTIONS, SECTION_TITLES, SECTION_SERVICES, OFFICER_OF, READERS, FULL_READERS, sections_for, compose, status_of, annual_report
)
from gateway.report.dashboard import (  # noqa: F401
    _count, OPEN_REPAIR_STATUSES, dashboard_builders, dashboard
)
from gateway.report.schemas import (  # noqa: F401
    FORMATS, YEARS, ReportQuery, Figure, Section, Report, Dashboard
)
