"""Messages to students: saved filters of the students list, one message written in up to three languages and sent
to a saved filter, the list's current filter or a cohort, by e-mail and in the portal (docs/students.md)."""
