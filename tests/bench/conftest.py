import sys
from pathlib import Path

# `bench` is not an installed package: make it importable however pytest is started.
REPO_ROOT = str(Path(__file__).resolve().parents[2])
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)
