"""``manage.py whatsapp_broadcast <page_id> [--yes] [--wait] [--exceed-budget] [--dry-run [--json]]``: the editor's
"Send via WhatsApp", from a shell. ``--dry-run`` prints the plan and its cost and sends nothing (keys of ``--json``:
docs/broadcasting.md)."""

import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from wagtail.models import Page

from wagtail_whatsapp.outbound import costs
from wagtail_whatsapp.outbound.broadcasts import start_broadcast
from wagtail_whatsapp.outbound.plan import BroadcastRefused, plan_broadcast
from wagtail_whatsapp.outbound.progress import progress_of

BAR_WIDTH = 30


class Command(BaseCommand):
    help = "Queue a broadcast of a published page to every active WhatsApp subscriber of its site."

    def add_arguments(self, parser):
        parser.add_argument("page_id", type=int)
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")
        parser.add_argument("--wait", action="store_true", help="Show a progress bar until the broadcast ends.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between two progress updates.")
        parser.add_argument(
            "--exceed-budget", action="store_true", help="Send even if it goes over the site's monthly budget."
        )
        parser.add_argument("--dry-run", action="store_true", help="Print the plan and its cost; send nothing.")
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="With --dry-run: print the plan as one JSON object."
        )

    def handle(self, page_id, yes, wait, interval, exceed_budget, dry_run, as_json, **options):
        if as_json and not dry_run:
            raise CommandError("--json goes with --dry-run.")
        page = Page.objects.filter(pk=page_id).first()
        if page is None:
            raise CommandError(f"No page with id {page_id}.")
        plan = plan_broadcast(page)
        cost = costs.estimate(plan) if plan.site is not None else None
        budget = costs.check_budget(plan, cost) if cost is not None else None
        refusals = [str(problem) for problem in plan.problems]
        if budget is not None and budget.exceeds and not exceed_budget:
            refusals.append(f"{budget.reason} Add --exceed-budget to send it anyway.")
        if as_json:
            self.stdout.write(dumps_json(dry_run_json(plan, cost, budget, refusals)))
        else:
            self.print_plan(page, plan, cost, budget, details=dry_run)
        if refusals:
            raise CommandError(" ".join(refusals))
        if dry_run:
            return
        if not yes and not self.confirmed(plan):
            self.stdout.write("Nothing sent.")
            return
        try:
            broadcast = start_broadcast(page, site=plan.site, exceed_budget=exceed_budget)
        except BroadcastRefused as refused:
            raise CommandError(str(refused.reason)) from None
        self.stdout.write(self.style.SUCCESS(f"Broadcast {broadcast.pk} queued."))
        if wait:
            self.wait_for(broadcast, interval)

    def print_plan(self, page, plan, cost, budget, details):
        self.stdout.write(f"“{page.title}” → {plan.recipients} subscribers")
        held = f" ({cost.held_recipients} held by the daily limit)" if cost and cost.held_recipients else ""
        self.stdout.write(f"  {plan.template_recipients} with the template{held}, {plan.freeform_recipients} free-form")
        if details:
            template = plan.template
            if template is not None:
                self.stdout.write(f"  template: {template.name} ({template.language}), category {template.category}")
                self.stdout.write(f"  header: {header_of(plan) or 'none'}")
                self.stdout.write(f"  parameters: {dumps_json(plan.template_spec)}")
            self.stdout.write(f"  message: {plan.message!r}")
        if cost is not None:
            money = costs.format_amount(cost.total, cost.currency)
            line = f"  cost: about {money}"
            if cost.template_recipients:
                price = costs.format_price(cost.unit_price, cost.currency)
                line += f" ({cost.template_recipients} × {price}, {cost.priced_as})"
            self.stdout.write(f"{line}; Meta's prices for Italy as of {cost.prices_as_of.isoformat()}")
        if budget is not None and budget.spend.budget is not None:
            spend = budget.spend
            self.stdout.write(
                f"  monthly budget {costs.format_amount(spend.budget, spend.currency)}, "
                f"{costs.format_amount(spend.spent, spend.currency)} spent or committed this month"
            )
        for warning in plan.warnings:
            self.stdout.write(self.style.WARNING(f"  ! {warning}"))

    def confirmed(self, plan):
        # Without a terminal (cron, CI) nobody can answer: say so instead of failing on the missing input.
        if not sys.stdin or not sys.stdin.isatty():
            raise CommandError("Nothing sent: no terminal to confirm on. Add --yes to send without confirmation.")
        try:
            answer = input(f"Send to {plan.recipients} subscribers? [y/N] ")
        except EOFError:
            raise CommandError("Nothing sent: no answer to the confirmation. Add --yes to send without it.") from None
        return answer.strip().lower() in ("y", "yes", "s", "si", "sì")

    def wait_for(self, broadcast, interval):
        while True:
            progress = progress_of(broadcast)
            done = int(BAR_WIDTH * progress["percent_done"] / 100)
            bar = "#" * done + "." * (BAR_WIDTH - done)
            self.stdout.write(
                f"\r[{bar}] {progress['percent_done']:5.1f}%  sent {progress['sent']}  failed {progress['failed']}"
                f"  skipped {progress['skipped']}  ({progress['status_label']})",
                ending="",
            )
            self.stdout.flush()
            if progress["finished"] or progress["status"] == "paused":
                break
            time.sleep(interval)
        self.stdout.write("")
        if progress["status_reason"]:
            self.stdout.write(self.style.WARNING(progress["status_reason"]))
        self.stdout.write(
            f"{progress['status_label']}: {progress['total']} recipients, {progress['sent']} sent, "
            f"{progress['delivered']} delivered, {progress['read']} read, {progress['failed']} failed, "
            f"{progress['skipped']} skipped"
        )
        for failure in progress["failures"]:
            self.stdout.write(f"  {failure['count']} × {failure['reason']}")


def dumps_json(value):
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str)


def header_of(plan):
    """The header the template message carries: "image", "video", "text", or "" for none."""
    spec = plan.template_spec or {}
    return spec.get("header") or ("text" if spec.get("header_text") else "")


def dry_run_json(plan, cost, budget, refusals):
    """The plan as one JSON object; its keys are documented in docs/broadcasting.md and do not change."""
    template = plan.template
    spend = budget.spend if budget is not None else None
    return {
        "page": {"id": plan.page.pk, "title": plan.page.title},
        "site": {"id": plan.site.pk, "hostname": plan.site.hostname} if plan.site is not None else None,
        "can_send": not refusals,
        "problems": refusals,
        "warnings": [str(warning) for warning in plan.warnings],
        "recipients": {
            "total": plan.recipients,
            "template": plan.template_recipients,
            "freeform": plan.freeform_recipients,
            "held_by_daily_limit": cost.held_recipients if cost is not None else 0,
        },
        "template": (
            {
                "name": template.name,
                "language": template.language,
                "category": template.category,
                "category_change_pending": template.category_change_pending,
            }
            if template is not None
            else None
        ),
        "header": {"type": header_of(plan) if template is not None else "", "media": plan.media or None},
        "parameters": plan.template_spec,
        "message": plan.message,
        "cost": cost.as_json() if cost is not None else None,
        "budget": (
            {
                "monthly_budget": str(spend.budget) if spend.budget is not None else None,
                "billed_this_month": str(spend.billed),
                "committed": str(spend.committed),
                "exceeded": budget.exceeds,
            }
            if spend is not None
            else None
        ),
    }
