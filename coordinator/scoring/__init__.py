"""Scoring: linking a school subject to its exam content, automatic scoring of the
objective tasks, the spoken answers prepared for blind expert scoring (opaque ids,
audio without metadata, waveform peaks, indicators), leases, readings, standardisation,
seeding, double marking with adjudication, agreement statistics, and the final scores
into the results form."""
