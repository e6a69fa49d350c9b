"""The documents' designs (their fixed wording in Russian, English and Chinese, versioned) and the signatories
(names in three scripts, titles, the days they sign), edited by the office-admin; each issued diploma records the
design version and the signatories that produced it (docs/decisions/0027)."""
