"""PagerDuty REST API v2: incidents with their log entries, and the pages sent to responders."""

from ingest.sources.pagerduty.config import PagerDutyService, PagerDutySourceConfig
from ingest.sources.pagerduty.source import PagerDutySource

__all__ = ["PagerDutyService", "PagerDutySource", "PagerDutySourceConfig"]
