"""Input stage: the data. ``table`` reads the data file (its delimiter, decimal mark and
encoding), ``matfile`` a MATLAB .mat file's variables, ``wide`` reads a wide table as one
series, ``timeaxis`` understands the time column, ``timeorder`` puts a series' rows in time
order, ``missing`` fills or drops missing values, ``samples`` builds the samples (series with
lags, or tabular columns), ``transforms`` holds the series transforms, ``division`` divides the
samples into parts, ``scaling`` scales them, and ``dataset`` puts it all together."""
from bpnet.data.dataset import Dataset, load
from bpnet.data.division import PARTS, divide
from bpnet.data.samples import Samples, Series, build_samples, series_samples
from bpnet.data.table import Table, read_table

__all__ = ["PARTS", "Dataset", "Samples", "Series", "Table", "divide", "load", "read_table",
           "build_samples", "series_samples"]
