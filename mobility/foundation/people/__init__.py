"""The partnership's people who are neither office staff nor students: partner coordinators and observers, the
facilitator's staff and the university's teachers. Each is a ``User`` with one ``Membership`` naming the role and,
for the partners' roles, the institution; the office invites them (``services``), and ``mobility.foundation.access``
reads the membership with the user's permissions to decide what they see.
"""
