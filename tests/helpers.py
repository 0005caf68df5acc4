"""Shared test helpers: the services of a pipeline, built once per pipeline."""

from __future__ import annotations

from datetime import UTC, datetime
from weakref import WeakKeyDictionary

from bot.reads import Reads
from bot.services import Services
from bot.tracking.pipeline import TrackingPipeline

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_services: WeakKeyDictionary[TrackingPipeline, Services] = WeakKeyDictionary()


def svc(pipeline: TrackingPipeline) -> Services:
    """The services (and read models) wired to `pipeline`, as the bot wires them."""
    found = _services.get(pipeline)
    if found is None:
        found = Services.create(pipeline, Reads(pipeline))
        _services[pipeline] = found
    return found
