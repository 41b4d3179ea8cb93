"""The dashboard's figure: a plotly ``FigureWidget`` updated in place, drawn at the width
of the dashboard."""

from __future__ import annotations

import anywidget
import plotly.graph_objects as go
import traitlets

from campaign_perf.views.dashboard.markup import box_width_js

__all__ = ["BoxWidth", "apply_figure"]


class BoxWidth(anywidget.AnyWidget):
    """The width of the dashboard in the page, in pixels (None until it is shown).

    plotly's FigureWidget does not follow its box in JupyterLab: it is drawn at plotly's
    default 700 px and a new height pins its width. This invisible widget measures the
    dashboard (and follows its resizes) so that the figure can be given that width.
    """

    _esm = box_width_js()
    width = traitlets.Int(None, allow_none=True).tag(sync=True)


def apply_figure(target: go.FigureWidget, new: go.Figure, *, template: bool = True) -> None:
    """Make ``target`` show ``new`` without re-creating the widget.

    When the traces keep their number and types, each trace and the layout are updated in
    one ``batch_update`` (one message to the browser); otherwise the traces are replaced.
    With ``template=False`` the target keeps its template (``new`` was drawn without one).
    """
    same = len(target.data) == len(new.data) and all(
        a.type == b.type for a, b in zip(target.data, new.data, strict=True)
    )
    layout = new.layout.to_plotly_json()
    if not template or target.layout.template == new.layout.template:
        layout.pop("template", None)  # validating a template again costs tens of ms
    with target.batch_update():
        if same:
            for old, fresh in zip(target.data, new.data, strict=True):
                props = fresh.to_plotly_json()
                props.pop("uid", None)
                for key in set(old.to_plotly_json()) - set(props) - {"type", "uid"}:
                    old[key] = None
                old.update(props, overwrite=True)
        else:
            target.data = ()
            target.add_traces(list(new.data))
        for key in set(target.layout.to_plotly_json()) - set(layout) - {"template"}:
            target.layout[key] = None
        target.update_layout(layout, overwrite=True)
