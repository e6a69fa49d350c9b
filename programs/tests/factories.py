import datetime

import factory

from programs.models import Agreement, AgreementQuota, Cohort, Contact, Institution, Module, Track


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"COL{n:03d}")
    kind = Institution.Kind.SENDING
    name_en = factory.LazyAttribute(lambda o: f"College {o.code}")
    name_ru = factory.LazyAttribute(lambda o: f"Колледж {o.code}")
    name_zh = factory.LazyAttribute(lambda o: f"{o.code}学院")
    country = "CN"
    city = "Chongqing"


class HostFactory(InstitutionFactory):
    code = "STANKIN"
    kind = Institution.Kind.HOST
    name_en = 'Moscow State University of Technology "STANKIN"'
    name_ru = "МГТУ «СТАНКИН»"
    name_zh = "莫斯科国立工艺大学"
    country = "RU"
    city = "Moscow"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    institution = factory.SubFactory(InstitutionFactory)
    full_name = factory.Sequence(lambda n: f"Contact {n}")
    email = factory.Sequence(lambda n: f"contact{n}@example.org")


class TrackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Track
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"TRK{n}")
    name_en = factory.LazyAttribute(lambda o: f"Track {o.code}")
    name_ru = factory.LazyAttribute(lambda o: f"Направление {o.code}")
    name_zh = factory.LazyAttribute(lambda o: f"方向{o.code}")


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Module

    track = factory.SubFactory(TrackFactory)
    code = factory.Sequence(lambda n: f"M{n:03d}")
    title_en = factory.LazyAttribute(lambda o: f"Module {o.code}")
    hours = 72
    credits = 2
    assessment_kind = Module.AssessmentKind.EXAM
    is_required = True
    order = factory.Sequence(lambda n: n)


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    number = factory.Sequence(lambda n: f"AGR-{n:04d}")
    title = "Agreement on academic mobility"
    host = factory.SubFactory(HostFactory)
    partner = factory.SubFactory(InstitutionFactory)
    status = Agreement.Status.ACTIVE
    valid_from = datetime.date(2025, 1, 1)
    valid_until = datetime.date(2029, 12, 31)


class AgreementQuotaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgreementQuota

    agreement = factory.SubFactory(AgreementFactory)
    track = factory.SubFactory(TrackFactory)
    year = 2026
    places = 30


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort

    code = factory.Sequence(lambda n: f"C{n:04d}")
    name = factory.LazyAttribute(lambda o: f"Cohort {o.code}")
    track = factory.SubFactory(TrackFactory)
    host = factory.SubFactory(HostFactory)
    partner = factory.SubFactory(InstitutionFactory)
    agreement = None
    start_date = datetime.date(2026, 3, 1)
    end_date = datetime.date(2026, 12, 20)
    capacity = 30
