"""The transcript of records (приложение к диплому, 成绩单): every module of an enrollment with its hours, credits,
kind of assessment, grade on the track's scale, date and attempts, as a trilingual A4 PDF/A signed like the diploma,
numbered (``TRANSCRIPT_NUMBER_FORMAT``) and verifiable by its own code. docs/transcripts.md says what it holds.

- ``models``: ``Transcript`` and its number counter (imported by ``diplomas.models``);
- ``selectors``: the rows a transcript lists, what a viewer may download, the public lookup by code;
- ``documents``: HTML (``templates/diplomas/pdf/transcript.html``) → PDF/A → PAdES; pure;
- ``services``: issued alone (``transcript_issue``) or with its diploma (``diplomas.services.diploma_issue``);
- ``views``: the downloads, the office's "Issue a transcript" and the public verification page (HTML and JSON).
"""
