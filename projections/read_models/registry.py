"""Every read model the projection workers feed: add yours here, one line each."""

import os

from projections.read_model import ReadModel
from projections.read_models.agreements.model import AgreementsReadModel
from projections.read_models.call_detail.model import CallDetailReadModel
from projections.read_models.call_queue.model import CallQueueReadModel
from projections.read_models.catalog.model import CatalogReadModel
from projections.read_models.mir.model import MirReadModel
from projections.read_models.reporting.model import ReportingReadModel
from projections.settings import FlowSettings


def all_read_models(flow: FlowSettings | None = None) -> list[ReadModel]:
    """Every read model, configured from ``flow`` (default: the environment). Every process
    that feeds or rebuilds them must see the same settings, or rows would differ."""
    flow = flow or FlowSettings.from_env(os.environ)
    return [
        CatalogReadModel(),
        AgreementsReadModel(),
        MirReadModel(),
        CallQueueReadModel(),
        CallDetailReadModel(),
        ReportingReadModel(flow.reporting_key.encode())
        if flow.reporting_key
        else ReportingReadModel(),
    ]
