"""Message threads between a partner college and the office: one general thread per college and one per student,
posts with a read marker for each side, an e-mail to the college's people when the office writes and a staff
notification when the college does. Models are loaded with the app's (``students/models.py``)."""
