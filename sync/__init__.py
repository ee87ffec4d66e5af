"""The wire: response-package format, signing and verification, the station outbox
and client, and the node's receiving router."""
