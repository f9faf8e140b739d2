"""Input stage: the data file, the samples built from it, their division and their scaling."""
