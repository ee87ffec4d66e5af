"""Hardware and system checks, the readiness report and the technician CLI."""
