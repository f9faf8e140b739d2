"""Input stage: the YAML config, read, checked against the schema, and written back resolved.

``schema`` holds the frozen dataclasses, ``load`` reads and resolves a file, ``overrides`` applies
``--set``, ``checks`` ties keys together and resolves paths, ``dump`` writes the config back;
``yamlschema`` reads YAML (its 1.1 traps kept as text) and checks a mapping against a schema,
``ranges`` reads MATLAB's ranges (``1:12``) and ``matlab`` the names MATLAB users type.
"""
from bpnet.config.dump import config_to_dict, portable_config, to_plain
from bpnet.config.load import build_config, load_config
from bpnet.config.schema import (
                                 ALGORITHMS,
                                 Config,
                                 DataConfig,
                                 ModelConfig,
                                 SplitConfig,
                                 TrainConfig,
                                 TransformConfig,
                                 WideConfig,
                                 rule_params,
)

__all__ = ["ALGORITHMS", "Config", "DataConfig", "ModelConfig", "SplitConfig",
           "TrainConfig", "TransformConfig", "WideConfig", "build_config", "config_to_dict",
           "load_config", "portable_config", "rule_params", "to_plain"]
