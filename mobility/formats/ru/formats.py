"""Russian date formats of the product (settings.FORMAT_MODULE_PATH); what is not here comes from Django's own.

Django's Russian long date ends in "г." ("30 июня 2026 г."): a sentence that ends with a date then ends in two dots
("…завершили обучение 30 июня 2026 г.."), and a translator cannot see that the date brings its own. The long forms
leave the abbreviation out ("30 июня 2026"), as many Russian publishers do; short forms (d.m.Y) are Django's.
"""

DATE_FORMAT = "j E Y"
DATETIME_FORMAT = "j E Y, G:i"
