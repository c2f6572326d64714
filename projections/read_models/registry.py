"""Every read model the projection workers feed: add yours here, one line each."""

from projections.read_model import ReadModel
from projections.read_models.agreements.model import AgreementsReadModel
from projections.read_models.call_detail.model import CallDetailReadModel
from projections.read_models.call_queue.model import CallQueueReadModel
from projections.read_models.catalog.model import CatalogReadModel
from projections.read_models.mir.model import MirReadModel
from projections.read_models.reporting.model import ReportingReadModel


def all_read_models() -> list[ReadModel]:
    return [
        CatalogReadModel(),
        AgreementsReadModel(),
        MirReadModel(),
        CallQueueReadModel(),
        CallDetailReadModel(),
        ReportingReadModel(),
    ]
