"""Slack-compatible incoming webhooks: a URL per webhook that tools made for Slack post
to, shown in one chat of a room as the webhook's bot's message.

mrkdwn.py converts Slack's markup, formatter.py a whole payload (text, blocks, legacy
attachments, username/icon "via" line) into Parley's message Markdown, both pure and
escaping everything the sender wrote; signature.py checks Slack's optional v0 request
signature; actions.py makes, signs and removes webhooks and posts through the one send
path; views.py answers as Slack does (200 "ok", or Slack's error strings). See
docs/integrations.md.
"""
