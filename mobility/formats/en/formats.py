"""English date formats of the product (settings.FORMAT_MODULE_PATH); what is not here comes from Django's own.

Django's English short formats are American (m/d/Y), which readers in Russia and China misread; the office's
English pages use the unambiguous ISO form instead. Russian (d.m.Y) and Chinese (Y年n月j日) keep Django's.
"""

SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
# What a date field accepts: ISO 8601 first (shown in the inputs and their placeholder), then the Russian form; never
# the American m/d/Y, which would read 03/04/2026 as the 4th of March.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]
