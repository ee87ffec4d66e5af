"""The results kiosk (``vpr-station kiosk``): a paired PC where a student or parent
enters a participant code and the PIN from the access card and sees that participant's
released results. ``lookup`` asks the node (no Kivy), ``render`` turns the answer into
the lines the screen shows (no Kivy), ``app`` is the full-screen Kivy window."""
