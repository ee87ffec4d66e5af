"""The exam flow as an explicit, persisted state machine - pure Python, no Kivy. The
screens only show the current state and forward the student's input; everything that
decides (timers, transitions, recording, resume after a crash, sealing) lives here and
is tested without a window."""
