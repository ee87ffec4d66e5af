"""The station: the full-screen Kivy client a student uses. Kivy UI only; everything
below it is imported, nothing below imports kivy."""
