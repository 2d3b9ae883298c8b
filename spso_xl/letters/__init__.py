"""Letters (DESIGN §10): planning each letter from the tracker, its prose, the templates, publishing."""
