"""The back office's pages for signed-in staff; for now its home page (the dashboard).

Every page wears ``@staff_required(action)`` (issuer.views.auth) and receives the signed-in
``principal``, which it hands to its one service call: the service checks the permission and
keeps the member inside their own organization.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from core.accounts.principal import Action, Principal
from core.web.database import deps, read_only
from issuer.services.office import dashboard as dashboard_of
from issuer.views.auth import staff_required
from issuer.views.pages import install_pages

bp = Blueprint("office", __name__, template_folder="../templates")
install_pages(bp)


@bp.get("/staff/")
@read_only
@staff_required(Action.READ)
def dashboard(principal: Principal) -> Any:
    return render_template("office/dashboard.html", board=dashboard_of(deps(), principal))
