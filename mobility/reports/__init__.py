"""Reports for the office head (``figures``), their pages, charts and XLSX export, and the list of enrollments
behind each figure and each dashboard card (``enrollments``). Wiring: reads programs, students and diplomas."""
