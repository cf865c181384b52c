"""售后服务 on the customer page and the case library 案例库.

Thin adapters over crm.aftersales.services (which authorise, validate, start and answer the SLA
clocks, derive the customer's flags and the core pool, and audit). The customer page renders an
empty card shell that loads the card (`card`) once the page is shown, so the page's own query
budget does not grow. A dialog GET renders into #crm-dialog-body; a refused write re-renders it
with the service's Chinese messages and everything typed; a done write closes it and swaps, out
of band, the card, the customer header (投诉 / 流失风险 flags), the timeline and the messages.
A dialog that changes a row sends the row's version: a row saved by someone else meanwhile is
refused once, keeping what was typed. Each section shows its newest rows; 显示全部 loads one
section in full (`card_section`). The 修改 dialogs live in `edits`, the referred-customer search
of the 转介绍 dialogs in `picker`.
"""

from .card import card, card_context, card_section
from .cases import case_detail, case_edit, case_list, case_withdraw
from .dialogs import (
    case_create,
    delivery_accept,
    delivery_create,
    delivery_deliver,
    delivery_edit,
    delivery_progress,
    feedback_create,
    feedback_plan,
    feedback_reopen,
    feedback_resolve,
    referral_approve,
    referral_create,
    referral_pay,
    risk_close,
    risk_create,
    risk_reopen,
    survey_create,
    survey_plan,
)
from .edits import feedback_edit, referral_edit, risk_edit, survey_edit
from .picker import referral_candidates

__all__ = [
    "card",
    "card_context",
    "card_section",
    "case_create",
    "case_detail",
    "case_edit",
    "case_list",
    "case_withdraw",
    "delivery_accept",
    "delivery_create",
    "delivery_deliver",
    "delivery_edit",
    "delivery_progress",
    "feedback_create",
    "feedback_edit",
    "feedback_plan",
    "feedback_reopen",
    "feedback_resolve",
    "referral_approve",
    "referral_candidates",
    "referral_create",
    "referral_edit",
    "referral_pay",
    "risk_close",
    "risk_create",
    "risk_edit",
    "risk_reopen",
    "survey_create",
    "survey_edit",
    "survey_plan",
]
