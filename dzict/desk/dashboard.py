"""The officers' dashboard: working-time TTO and TTR of every group, the CSV, the chart."""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, Response

from dzict.desk.tat import KINDS, chart, report, write_rows
from dzict.desk.web import desk, login_required, page

bp = Blueprint("dashboard", __name__, url_prefix="/officer/report")


@bp.get("/")
@login_required
def overview() -> Any:
    """Median, p90 and share within target by agency, office, category, channel and month."""
    result = report(desk().measured())
    return page(
        "report.html",
        result=result,
        kinds=KINDS,
        calendar=desk().policy is not None,
    )


@bp.get("/tat.csv")
@login_required
def tat_csv() -> Any:
    """Every ticket's turn-around in working minutes, as CSV."""
    out = io.StringIO()
    write_rows(desk().measured(), out)
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=tat.csv"},
    )


@bp.get("/tat.png")
@login_required
def tat_png() -> Any:
    """The chart of TTR by category and the share within target."""
    out = io.BytesIO()
    chart(report(desk().measured())).savefig(out, format="png", dpi=80)
    return Response(out.getvalue(), mimetype="image/png")
