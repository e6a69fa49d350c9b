"""Build the compact diploma font now (``./dev setup`` runs it), so no worker spends the first render on it."""

from django.core.management.base import BaseCommand, CommandError

from diplomas import fonts


class Command(BaseCommand):
    help = "Build (or find) the compact diploma font cut from Noto Sans CJK SC and print its path."

    def handle(self, *args, **options):
        path = fonts.compact_font()
        if path is None:
            raise CommandError(
                f"No compact font: is {fonts.SOURCE_FAMILY} installed (Debian package fonts-noto-cjk)? "
                "Diplomas still render, with the full font."
            )
        self.stdout.write(str(path))
