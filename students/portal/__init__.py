"""The student's own pages: enrollments, progress, diploma, personal data and correction requests."""
