"""``manage.py whatsapp_broadcast <page_id> [--yes] [--wait]``: the editor's "Send via WhatsApp", from a shell."""

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from wagtail.models import Page

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

    def handle(self, page_id, yes, wait, interval, **options):
        page = Page.objects.filter(pk=page_id).first()
        if page is None:
            raise CommandError(f"No page with id {page_id}.")
        plan = plan_broadcast(page)
        self.stdout.write(f"“{page.title}” → {plan.recipients} subscribers")
        self.stdout.write(f"  {plan.template_recipients} with the template, {plan.freeform_recipients} free-form")
        for warning in plan.warnings:
            self.stdout.write(self.style.WARNING(f"  ! {warning}"))
        if plan.problems:
            raise CommandError(" ".join(str(problem) for problem in plan.problems))
        if not yes and not self.confirmed(plan):
            self.stdout.write("Nothing sent.")
            return
        try:
            broadcast = start_broadcast(page, site=plan.site)
        except BroadcastRefused as refused:
            raise CommandError(str(refused.reason)) from None
        self.stdout.write(self.style.SUCCESS(f"Broadcast {broadcast.pk} queued."))
        if wait:
            self.wait_for(broadcast, interval)

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
