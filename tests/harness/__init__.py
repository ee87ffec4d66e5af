"""Test harness shared by all test packages (audio loopback, recording child processes)."""
