"""Train the networks a YAML config describes: ``python run.py configs/passengers.yaml``."""
import sys

from bpnet.cli import main

if __name__ == "__main__":
    sys.exit(main())
