"""Safe storage, which every stage may use: ``outdir`` (an output folder's lock, its staging
folder and the commit that moves a run's files into place as one), ``fileio`` (atomic writes,
files written together, the hold of Ctrl-C around renames)."""
