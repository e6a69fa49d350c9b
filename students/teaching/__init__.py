"""The teacher's workspace (``/teaching/``): a teacher sees the modules the office assigned them, per cohort, with
those cohorts' students, and records and imports results for those modules only, through the same services and
validation as the office's grid and gradebook import."""
