"""The notebook dashboard (see :class:`~campaign_perf.views.dashboard.app.Dashboard`).

Its parts: :mod:`.controls` (the control widgets, built from the report's meanings and read
back into a report), :mod:`.app` (the wiring: a control change redraws the views),
:mod:`.figure` (the figure updated in place) and :mod:`.markup` (its HTML, from the
package's template).
"""

from campaign_perf.views.dashboard.app import Dashboard, dashboard
from campaign_perf.views.dashboard.markup import EMPTY_MESSAGE

__all__ = ["EMPTY_MESSAGE", "Dashboard", "dashboard"]
