"""The school coordinator node: HTTP service, storage, codes, protocol, results,
forms, upload and monitoring. Headless."""
