#!/usr/bin/env bash
# Installs what Prune needs on Debian/Ubuntu: OpenBLAS + LAPACKE, zlib, and Fashion-MNIST.
# As root it installs missing packages with apt-get; otherwise it prints the command to run.
set -euo pipefail
need=()
[ -e /usr/include/x86_64-linux-gnu/cblas.h ] || [ -e /usr/include/cblas.h ] || [ -e /usr/include/aarch64-linux-gnu/cblas.h ] || need+=(libopenblas-dev)
[ -e /usr/include/lapacke.h ] || need+=(liblapacke-dev)
[ -e /usr/include/zlib.h ] || need+=(zlib1g-dev)
[ -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || need+=(dataset-fashion-mnist)
if [ "$(uname)" = "Darwin" ]; then exit 0; fi
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = "0" ]; then
  echo "setup: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "setup: missing packages; run: sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
