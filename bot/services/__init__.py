"""The write side: one service per area, the only things cogs and jobs call to change state.

Each action does its domain write, its audit row and read-cache invalidation in one
transaction (`TrackingPipeline.locked`) and hands out frozen values.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.reads import Reads
from bot.services.badges import BadgeService
from bot.services.challenges import ChallengeService
from bot.services.history import HistoryService
from bot.services.kudos import KudosService
from bot.services.moderation import ModerationService
from bot.services.privacy import PrivacyService
from bot.services.review import ReviewService
from bot.services.schedule import ScheduleService
from bot.services.settings import SettingsService
from bot.tracking.pipeline import TrackingPipeline


@dataclass(frozen=True, slots=True)
class Services:
    settings: SettingsService
    moderation: ModerationService
    challenges: ChallengeService
    badges: BadgeService
    privacy: PrivacyService
    kudos: KudosService
    schedule: ScheduleService
    review: ReviewService
    history: HistoryService

    @classmethod
    def create(cls, pipeline: TrackingPipeline, reads: Reads) -> Services:
        return cls(
            SettingsService(pipeline),
            ModerationService(pipeline),
            ChallengeService(pipeline, reads),
            BadgeService(pipeline),
            PrivacyService(pipeline),
            KudosService(pipeline),
            ScheduleService(pipeline),
            ReviewService(pipeline),
            HistoryService(pipeline),
        )


__all__ = [
    "BadgeService",
    "ChallengeService",
    "HistoryService",
    "KudosService",
    "ModerationService",
    "PrivacyService",
    "ReviewService",
    "ScheduleService",
    "Services",
    "SettingsService",
]
