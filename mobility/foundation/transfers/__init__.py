"""The register of cross-border transfers of personal data (152-FZ, PIPL): which categories of whose data went where,
when and through which channel. Foundation: the domain apps and the webhook transport write to it, the office reads
and exports it (docs/privacy.md)."""
