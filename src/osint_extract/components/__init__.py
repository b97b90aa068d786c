"""The spaCy pipeline components (registered factories) and the helpers they share."""
