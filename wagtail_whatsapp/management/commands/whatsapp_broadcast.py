"""``manage.py whatsapp_broadcast <page_id> [--yes] [--wait] [--exceed-budget] [--urgent] [--at TIME]
[--dry-run [--json]]``: the editor's "Send via WhatsApp", from a shell. ``--at`` schedules it (the site's local time,
or ISO 8601 with an offset). ``--dry-run`` prints the plan and its cost and sends nothing (keys of ``--json``:
docs/broadcasting.md).

A shell is the server's administrator, who holds every permission: ``--exceed-budget`` and ``--urgent`` are the
explicit ticks the confirmation page asks of holders of ``exceed_budget`` and ``send_urgent``."""

import datetime
import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from wagtail.models import Page

from wagtail_whatsapp.outbound import costs
from wagtail_whatsapp.outbound.broadcasts import start_broadcast
from wagtail_whatsapp.outbound.plan import BroadcastRefused, plan_broadcast
from wagtail_whatsapp.outbound.progress import progress_of
from wagtail_whatsapp.outbound.schedule import quiet_hours_end
from wagtail_whatsapp.outbound.scheduled_broadcasts import held_until, schedule_problem

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
        parser.add_argument(
            "--urgent",
            action="store_true",
            help="Send at once, even in the quiet hours (a notice that cannot wait); the page's history says so.",
        )
        parser.add_argument(
            "--at",
            metavar="TIME",
            help='Schedule it: "2026-12-24 09:00" in the site\'s time, or ISO 8601 with an offset '
            '("2026-12-24T09:00+01:00"). It is planned again then, for the subscribers of that moment.',
        )
        parser.add_argument("--dry-run", action="store_true", help="Print the plan and its cost; send nothing.")
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="With --dry-run: print the plan as one JSON object."
        )

    def handle(self, page_id, yes, wait, interval, exceed_budget, urgent, at, dry_run, as_json, **options):
        if as_json and not dry_run:
            raise CommandError("--json goes with --dry-run.")
        if at is not None and wait:
            raise CommandError("--wait goes without --at: a scheduled broadcast starts later, by itself.")
        at = parse_time(at) if at is not None else None
        page = Page.objects.filter(pk=page_id).first()
        if page is None:
            raise CommandError(f"No page with id {page_id}.")
        plan = plan_broadcast(page, urgent=urgent)
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
        if at is not None:
            starts_at = held_until(plan.site, at, urgent) or at
        else:
            starts_at = None if urgent else quiet_hours_end(plan.site)
        if not yes and not self.confirmed(plan, starts_at, scheduled=at is not None):
            self.stdout.write("Nothing sent.")
            return
        try:
            broadcast = start_broadcast(page, site=plan.site, exceed_budget=exceed_budget, urgent=urgent, at=at)
        except BroadcastRefused as refused:
            raise CommandError(str(refused.reason)) from None
        if at is not None:
            line = (
                f"Broadcast {broadcast.pk} scheduled for {local(at)}; it is planned again then, "
                "for the subscribers of that moment."
            )
            if starts_at != at:
                line += f" That is in the quiet hours: it starts at {local(starts_at)}, when they end."
            self.stdout.write(self.style.SUCCESS(line))
        elif starts_at is not None:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Broadcast {broadcast.pk} scheduled for {starts_at:%H:%M}, when the quiet hours end "
                    "(--urgent sends at once)."
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"Broadcast {broadcast.pk} queued{' (urgent)' if urgent else ''}."))
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

    def confirmed(self, plan, starts_at, scheduled=False):
        # Without a terminal (cron, CI) nobody can answer: say so instead of failing on the missing input.
        if not sys.stdin or not sys.stdin.isatty():
            raise CommandError("Nothing sent: no terminal to confirm on. Add --yes to send without confirmation.")
        try:
            if scheduled:
                when = f" at {local(starts_at)} (today's count)"
            else:
                when = f" at {starts_at:%H:%M}, when the quiet hours end" if starts_at else ""
            answer = input(f"Send to {plan.recipients} subscribers{when}? [y/N] ")
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


def parse_time(text):
    """``--at``: "2026-12-24 09:00" in the site's time (``TIME_ZONE``), or ISO 8601 with an offset; in the future and
    not too far ahead (the confirmation page's rule)."""
    text = text.strip()
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or len(text) <= len("2026-12-24"):  # a date alone is no time to send
        raise CommandError(
            f'--at "{text}" is not a date and time: write "2026-12-24 09:00" (the site\'s time, '
            f'{timezone.get_current_timezone_name()}) or ISO 8601 with an offset, "2026-12-24T09:00+01:00".'
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    problem = schedule_problem(moment)
    if problem:
        raise CommandError(f"--at {local(moment)}: {problem}")
    return moment


def local(moment):
    """A time in the site's zone, as the shell shows it: "2026-12-24 09:00 CET"."""
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M %Z}"


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
