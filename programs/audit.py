"""How the programs app's audit entries read (registered in ``ProgramsConfig.ready``)."""

from django.utils.translation import gettext_lazy as _

from mobility.foundation.audit_sentences import audit_sentence_register, described

from .models import Agreement, AgreementQuota, Cohort, Contact, Institution, Module, TeachingAssignment, Track

# action: (message, the model whose fields the changes name, whether the changes follow)
SENTENCES = {
    "institution.create": (_("%(actor)s added the institution %(object)s"), Institution, False),
    "institution.update": (_("%(actor)s changed the institution %(object)s"), Institution, True),
    "contact.create": (_("%(actor)s added the contact %(object)s"), Contact, False),
    "contact.update": (_("%(actor)s changed the contact %(object)s"), Contact, True),
    "contact.delete": (_("%(actor)s deleted the contact %(object)s"), Contact, False),
    "agreement.create": (_("%(actor)s added the agreement %(object)s"), Agreement, False),
    "agreement.update": (_("%(actor)s changed the agreement %(object)s"), Agreement, True),
    "agreement.expire": (_("The agreement %(object)s expired"), Agreement, False),
    "quota.create": (_("%(actor)s added the quota %(object)s"), AgreementQuota, False),
    "quota.update": (_("%(actor)s changed the quota %(object)s"), AgreementQuota, True),
    "quota.delete": (_("%(actor)s deleted the quota %(object)s"), AgreementQuota, False),
    "track.create": (_("%(actor)s added the track %(object)s"), Track, False),
    "track.update": (_("%(actor)s changed the track %(object)s"), Track, True),
    "module.create": (_("%(actor)s added the module %(object)s"), Module, False),
    "module.update": (_("%(actor)s changed the module %(object)s"), Module, True),
    "cohort.create": (_("%(actor)s added the cohort %(object)s"), Cohort, False),
    "cohort.update": (_("%(actor)s changed the cohort %(object)s"), Cohort, True),
    "teaching.assign": (_("%(actor)s assigned the teacher %(object)s"), TeachingAssignment, False),
    "teaching.unassign": (_("%(actor)s removed the teaching assignment %(object)s"), TeachingAssignment, False),
}


def register() -> None:
    for action, (message, model, changes) in SENTENCES.items():
        audit_sentence_register(action, described(message, model=model, changes=changes))
