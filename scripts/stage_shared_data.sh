#!/usr/bin/env bash
# Stage the real datasets of /work/shared/data (or $SHARED_DATA) in the sprint data mirror,
# each under the origin URL the Keras.io examples download it from (see the README.md there).
#
#   scripts/stage_shared_data.sh                  # mirror: $SPRINT_DATA_DIR or <root>/data-mirror
#   SHARED_DATA=/mnt/data scripts/stage_shared_data.sh --data-dir /mnt/mirror
#
# Extra arguments go to every `sprint data add` call (--data-dir DIR, --copy, --force).
# The files' SHA-256 are checked against the folder's SHA256SUMS first; nothing is staged
# when one does not match. Re-running is safe: an already staged, identical file is kept.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${SHARED_DATA:-$root/../shared/data}"
sprint="${SPRINT:-$root/.venv/bin/sprint}"
[[ -x "$sprint" ]] || sprint="sprint"

if [[ ! -f "$data/SHA256SUMS" ]]; then
    echo "error: no SHA256SUMS in $data (set SHARED_DATA to the shared data folder)" >&2
    exit 2
fi
(cd "$data" && sha256sum --quiet -c SHA256SUMS) || {
    echo "error: a file in $data does not match SHA256SUMS; nothing staged" >&2
    exit 1
}

# origin URL (as the examples spell it)  ->  file under $data
while read -r url file; do
    [[ -z "$url" || "$url" == \#* ]] && continue
    "$sprint" data add "$url" "$data/$file" "$@"
done <<'URLS'
https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz mnist/mnist.npz
http://storage.googleapis.com/download.tensorflow.org/data/heart.csv heart/heart.csv
https://raw.githubusercontent.com/numenta/NAB/master/data/artificialNoAnomaly/art_daily_small_noise.csv nab/art_daily_small_noise.csv
https://raw.githubusercontent.com/numenta/NAB/master/data/artificialWithAnomaly/art_daily_jumpsup.csv nab/art_daily_jumpsup.csv
https://s3.amazonaws.com/text-datasets/nietzsche.txt nietzsche/nietzsche.txt
http://files.grouplens.org/datasets/movielens/ml-latest-small.zip movielens/ml-latest-small.zip
https://linqs-data.soe.ucsc.edu/public/lbc/cora.tgz cora/cora.tgz
https://storage.googleapis.com/tensorflow/tf-keras-datasets/boston_housing.npz boston_housing/boston_housing.npz
URLS

# Fashion-MNIST from the Debian package dataset-fashion-mnist (apt-get install -y
# dataset-fashion-mnist): the four original IDX files, under the base URL that
# keras.datasets.fashion_mnist.load_data() downloads them from.
fashion="${FASHION_MNIST:-/usr/share/datasets/fashion-mnist}"
if [[ -d "$fashion" ]]; then
    for file in train-labels-idx1-ubyte.gz train-images-idx3-ubyte.gz \
        t10k-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz; do
        "$sprint" data add "https://storage.googleapis.com/tensorflow/tf-keras-datasets/$file" \
            "$fashion/$file" "$@"
    done
else
    echo "note: no $fashion (apt-get install -y dataset-fashion-mnist); Fashion-MNIST not staged" >&2
fi
