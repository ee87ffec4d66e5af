"""Shared foundations every layer may import: the error hierarchy, logging set-up,
per-user paths, atomic file writes and the CLI wrapper that turns errors into plain
Russian messages. Nothing here imports any other project package."""
