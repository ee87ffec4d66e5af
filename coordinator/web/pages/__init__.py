"""The console's routes, one module per area; each exports ``router``."""
