"""Yearly document numbers from a locked counter row: diplomas, certificates of study and transcripts each have
their own counter and format (``diplomas.services`` re-exports ``next_number``)."""


def next_number(*, year: int, counter, numbered, number_format: str) -> str:
    """The next number of the year in ``number_format`` (``{year}``, ``{seq}``), from the year's row of the
    ``counter`` model locked until the caller's transaction ends, skipping numbers a row of ``numbered`` already has.
    Diplomas, certificates of study (``diplomas.papers``) and transcripts each have their own counter."""
    counter, _created = counter.objects.select_for_update().get_or_create(year=year)
    seq = counter.last
    while True:
        seq += 1
        number = number_format.format(year=year, seq=seq)
        # Numbers written by hand or imported may already use a sequence number: skip them rather than fail.
        if not numbered.objects.filter(number=number).exists():
            break
    counter.last = seq
    counter.save(update_fields=["last"])
    return number
