"""One module and one ``.kv`` file per screen. :data:`SCREENS` maps each flow phase to
the screen that shows it."""
