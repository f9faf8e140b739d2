"""Input stage: the names MATLAB users type.

A MATLAB name that means the same thing as a bpnet one is read as it (``ALIASES``: the
division functions; ``SAME_KEYS``: ``performFcn`` in a train block is ``perform``); one that
bpnet does not have gets a message saying so and what to write instead (``ABSENT`` for values,
``KEYS`` for keys such as ``performFcn`` outside a train block), never a did-you-mean
pointing at a name that means something else. These tables are consulted only for names that
are not bpnet's own, so a name that bpnet gains later simply stops being reported here.
"""
from __future__ import annotations

from bpnet.errors import InputError

# config field -> MATLAB value -> the bpnet value that means the same
ALIASES: dict[str, dict[str, str]] = {
    "method": {"dividerand": "random", "divideblock": "block", "divideint": "interleaved",
               "divideind": "index"},
}

_CG = "a conjugate-gradient rule"
# config field -> MATLAB value bpnet does not have -> what it is in MATLAB
ABSENT: dict[str, dict[str, str]] = {
    "algorithm": {
        "trainbfg": "BFGS quasi-Newton", "traincgb": _CG, "traincgf": _CG, "traincgp": _CG,
        "trainoss": "one-step secant", "trainb": "a batch-training wrapper",
        "trainc": "cyclical incremental training", "trainr": "random incremental training",
        "trains": "sequential incremental training", "trainbu": "unsupervised batch training",
        "trainru": "unsupervised random training",
    },
    "transfer": {
        "satlin": "the saturating linear function", "satlins": "the symmetric saturating "
        "linear function", "hardlim": "the hard limit", "hardlims": "the symmetric hard limit",
        "radbas": "the radial basis function", "radbasn": "the normalised radial basis",
        "tribas": "the triangular basis", "elliotsig": "Elliot's sigmoid",
        "elliot2sig": "Elliot's second sigmoid", "netinv": "the inverse", "softmax":
        "the soft max (classification)", "compet": "the competitive function",
    },
    "perform": {
        "sse": "the sum squared error", "mae": "the mean absolute error",
        "sae": "the sum absolute error", "msesparse": "the mean squared error with sparsity "
        "terms (autoencoders)",
    },
    "scaling": {
        "removeconstantrows": "removing constant rows (bpnet keeps them and maps them to 0)",
        "processpca": "principal-component processing", "fixunknowns": "unknown-input "
        "processing (bpnet has data.missing)",
    },
    "type": {
        "feedforwardnet": "a MATLAB feedforward network: write type: feedforward (bpnet's "
        "defaults: hidden [10, 10], traingdx; MATLAB's: one layer of 10, trainlm)",
        "fitnet": "a MATLAB feedforward network: write type: feedforward (bpnet's defaults: "
        "hidden [10, 10], traingdx; MATLAB's fitnet: one layer of 10, trainlm)",
        "newff": "a MATLAB feedforward network: write type: feedforward",
        "elmannet": "MATLAB's Elman network: write type: elman",
        "newelm": "MATLAB's Elman network: write type: elman",
        "layrecnet": "MATLAB's layer-recurrent network; the nearest in bpnet is type: elman",
        "narnet": "a MATLAB feedforward network on lagged values of a series: write type: "
        "feedforward with data.series and data.lags",
        "narxnet": "MATLAB's network with outside input series: write type: feedforward with "
        "data.series, data.lags (feedbackDelays) and data.exog: {column: [delays]} "
        "(inputDelays)",
        "timedelaynet": "MATLAB's network with delayed outside inputs: write type: feedforward "
        "with data.series, data.lags: [] and data.exog: {column: [delays]}",
        "patternnet": "MATLAB's classification network, which bpnet does not have",
    },
}

# a MATLAB key (compared in lower case) that is a bpnet key under another name, read as that
# key where the block has it (MATLAB's net.performFcn is the train block's perform)
SAME_KEYS: dict[str, str] = {"performfcn": "perform"}

# a key MATLAB users write (compared in lower case) -> what to write in bpnet instead
KEYS: dict[str, str] = {
    "performfcn": "MATLAB's performance function: write train.perform (mse or crossentropy)",
    "net": "MATLAB's network object: write net.performFcn as train.perform, net.trainParam in "
    "the train block, the layers under models.<name>",
    "performparam": "MATLAB's performance parameters: write train.regularization "
    "(performParam.regularization)",
    "trainfcn": "MATLAB's training function: write train.algorithm",
    "trainparam": "MATLAB's training parameters: write them in the train block, under "
    "the same names",
    "dividefcn": "MATLAB's division function: write split.method (dividerand, divideblock, "
    "divideint and divideind are understood)",
    "divideparam": "MATLAB's division parameters: write split.train, split.val, split.test",
    "trainratio": "write split.train", "valratio": "write split.val",
    "testratio": "write split.test",
    "trainind": "write split.method: index with split.train", "valind": "write split.method: "
    "index with split.val", "testind": "write split.method: index with split.test",
    "transferfcn": "MATLAB's transfer function: write models.<name>.transfer, one per layer",
    "processfcns": "MATLAB's processing functions: write scaling (mapstd, mapminmax or none)",
    "showwindow": "bpnet has no training window; train.show sets the progress lines",
    "showcommandline": "write train.show: progress lines every show epochs (0: none)",
    "sigma": "a parameter of trainscg: write it in the train block, with train.algorithm: "
    "trainscg",
    "lambda": "a parameter of trainscg: write it in the train block, with train.algorithm: "
    "trainscg",
    "hiddensizes": "write models.<name>.hidden",
    "layers": "write models.<name>.hidden (sizes) and transfer (functions)",
    "numlayers": "write models.<name>.hidden: one size per hidden layer",
    "inputdelays": "write data.exog: {column: [delays]} (the input delays of each outside "
    "input column)",
    "feedbackdelays": "write data.lags (feedbackDelays of narnet and narxnet)",
}


def alias(field: str, value):
    """``value`` of config field ``field`` as bpnet names it (MATLAB's names mapped)."""
    table = ALIASES.get(field)
    if table and isinstance(value, str):
        return table.get(value.lower(), value)
    return value


def absent(field: str, value) -> str | None:
    """The message for a MATLAB ``value`` of ``field`` that bpnet does not have, or None."""
    what = ABSENT.get(field, {}).get(str(value).lower()) if isinstance(value, str) else None
    if what is None:
        return None
    if field == "type":
        return f"{value} is {what}"
    return f"{value} is {what} in MATLAB; bpnet does not have it"


def key_message(key: str) -> str | None:
    """What to write instead of a MATLAB key that is not a bpnet key, or None."""
    return KEYS.get(str(key).lower())


def same_keys(raw: dict, keys, path: str, where: str) -> tuple[dict, dict[str, str]]:
    """``raw`` with every MATLAB key of ``SAME_KEYS`` whose bpnet name is one of ``keys``
    under that name, and bpnet's name -> the key as written (for messages). Both names in one
    block: an error naming them."""
    written: dict[str, str] = {}
    for key in raw:
        ours = SAME_KEYS.get(str(key).lower())
        if ours in keys:
            if raw.get(ours) is not None or ours in written:   # null: not given
                block = f"{path}." if path else ""
                raise InputError(f"{where}: {block}{key} and {block}{written.get(ours, ours)} "
                                 "are the same key; keep one")
            written[ours] = key
    if not written:
        return raw, written
    by_key = {v: k for k, v in written.items()}
    return {by_key.get(k, k): v for k, v in raw.items() if k not in written}, written
