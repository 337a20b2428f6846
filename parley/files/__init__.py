"""Message attachments: uploads, their storage, thumbnails, and downloads checked against
who may read the message holding them (docs/files.md)."""
