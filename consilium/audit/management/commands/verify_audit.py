from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from consilium.audit.trail import anchor_head, check_chain, verify_anchor


class Command(BaseCommand):
    help = ("Check the audit trail's keyed hash chain, the rows not sealed into it yet, and the "
            "anchor outside the database; exit non-zero at the first altered or missing row.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--anchor-now", action="store_true",
            help="when the chain is intact and the anchor only lacks the newest rows (or does "
                 "not exist yet), write the current head to it")
        parser.add_argument(
            "--anchor", action="append", dest="anchors", metavar="FILE",
            help="check these anchor files together instead of CONSILIUM_AUDIT_ANCHOR (the "
                 "copies collected from each web machine); may be repeated")

    def handle(self, *args, anchor_now, anchors, **options):
        checked = check_chain()
        if checked.problem:
            where = f"row {checked.broken.pk}" if checked.broken else "the end of the trail"
            raise CommandError(f"Audit trail broken at {where}: {checked.problem} "
                               f"({checked.rows} rows intact)")
        problem, only_behind = verify_anchor(checked.sealed, anchors)
        if problem and anchor_now and only_behind and settings.AUDIT_ANCHOR:
            count, _ = anchor_head()
            self.stdout.write(f"Anchored the head (row {count}) in {settings.AUDIT_ANCHOR}.")
            problem, _ = verify_anchor(checked.sealed, anchors)
        if problem:
            raise CommandError(f"Audit anchor does not match the trail: {problem}")
        where = ", ".join(anchors or ([settings.AUDIT_ANCHOR] if settings.AUDIT_ANCHOR else []))
        anchored = (f"anchored in {where}" if where
                    else "not anchored (CONSILIUM_AUDIT_ANCHOR is unset)")
        pending = f" ({checked.pending} not sealed yet)" if checked.pending else ""
        self.stdout.write(self.style.SUCCESS(
            f"Audit trail intact: {checked.rows} rows{pending}, {anchored}."))
