"""labels: see DEVELOPERS.md for what belongs here."""
