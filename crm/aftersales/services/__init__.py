"""The one write path of the after-sales loop: crm.aftersales.services.

Every public function takes the Actor first and keyword arguments after; updates take
`expected_version` (PreconditionFailed when stale) and a `reason`. A row of a customer the
actor cannot see, or that does not exist, is NotFound; a customer the actor sees but may not
edit is PermissionDenied (service staff read after-sales rows, editors of the customer write
them). Field problems are ValidationError with Chinese messages per field. Every write runs
in one transaction with its audit rows (`<object>.<verb>`, on the customer's timeline).
"""

from .cases import create_case, get_case, update_case, withdraw_case
from .corepool import schedule_visit, success_owner, sync_core_pool
from .daily import DaySummary, refresh_clocks, run_day
from .deliveries import (
    accept_delivery,
    add_progress,
    create_delivery,
    get_visible_delivery,
    mark_delivered,
    update_delivery,
)
from .feedback import (
    get_visible_feedback,
    plan_feedback_improvement,
    record_feedback,
    reopen_feedback,
    resolve_feedback,
    update_feedback,
)
from .referrals import (
    approve_referral,
    can_approve,
    create_referral,
    get_visible_referral,
    pay_referral,
    update_referral,
)
from .risks import close_risk, get_visible_risk, raise_risk, reopen_risk, update_risk
from .surveys import get_visible_survey, plan_survey_improvement, record_survey, update_survey

__all__ = [
    "DaySummary",
    "accept_delivery",
    "add_progress",
    "approve_referral",
    "can_approve",
    "close_risk",
    "create_case",
    "create_delivery",
    "create_referral",
    "get_case",
    "get_visible_delivery",
    "get_visible_feedback",
    "get_visible_referral",
    "get_visible_risk",
    "get_visible_survey",
    "mark_delivered",
    "pay_referral",
    "plan_feedback_improvement",
    "plan_survey_improvement",
    "raise_risk",
    "record_feedback",
    "record_survey",
    "refresh_clocks",
    "reopen_feedback",
    "reopen_risk",
    "resolve_feedback",
    "run_day",
    "schedule_visit",
    "success_owner",
    "sync_core_pool",
    "update_case",
    "update_delivery",
    "update_feedback",
    "update_referral",
    "update_risk",
    "update_survey",
    "withdraw_case",
]
