"""A student's personal data across every app: its export (JSON and a readable page) and its erasure, keeping the
issued diploma records (docs/decisions/0013-erasing-a-student.md). It sits in the wiring, above the domain apps it
reads and writes (docs/architecture.md)."""
