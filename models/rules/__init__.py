"""rules layer of models/: see the README's Architecture section."""
