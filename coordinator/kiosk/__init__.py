"""The results kiosk on the node: subjects released to students and parents, PINs on
printed access cards, the look-up a paired kiosk PC makes (one participant, one code +
PIN), and the limits on wrong PINs."""
