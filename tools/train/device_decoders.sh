#!/bin/bash
# device_decoders.sh - train both decoders for an encoder in one short run
# on a lent GPU machine (the `device` tool), or on the CPU to test it.
#
# A lent machine gives a session about 15 minutes, start and transfers
# included, and takes 64 MiB of the working tree with it: the corpus (832 MB
# with its packages) cannot travel, the 27 MB of images a 256-px crop can
# draw can.  So the work is split in two:
#
#   stage STAGE_DIR [DATA [INIT3 [INIT4]]]      (here)
#       copies DATA's MANIFEST.tsv (unchanged, so the manifest hash in the
#       weights' metadata is the corpus's) and the images whose short side
#       is at least CROP (the only ones train_decoder.py draws at that crop,
#       so the run is the one it would be on the whole corpus), and the
#       decoders to start from, into STAGE_DIR, a folder inside the
#       repository that git ignores (/.device/ is in .gitignore).
#   train STAGE_DIR OUTDIR MINUTES             (there)
#       makes the encoder from its seeded recipe (ENCODER_CMD, written to
#       ENCODER_OUT: the file records its own command, so the same path
#       gives the same bytes; its sha256 is checked against ENCODER_SHA256
#       and logged, so a mismatch is seen here, not guessed), then trains the relu3_1 and relu4_1 decoders at
#       the same time for MINUTES each (train_decoder.py --budget-minutes),
#       exporting each weights file into OUTDIR every minute, so a run cut
#       short still returns its last export.  PSNR is measured here
#       afterwards (eval_psnr.py needs BSDS500 from ../shared, which does
#       not travel).
#
# Typical use (weights/README.md, "Shipped decoders", the run that made
# them: two calls, the second starting from the first's files):
#   tools/train/device_decoders.sh stage .device /var/tmp/sst-data \
#       START/decoder_relu3_1.safetensors START/decoder_relu4_1.safetensors
#   device run: carry [".device"], timeout_s 560, command
#       LR3=3e-4 LR4=2.5e-4 bash tools/train/device_decoders.sh train .device $OUT 7.5
#
# Environment (defaults are the GPU recipe; the CPU test shrinks them):
#   DEVICE (cuda), CROP (256), BATCH (8), THREADS (4), PROBE (300),
#   LR3 (2e-4), LR4 (1.5e-4), WARMUP (100), SEED (3),
#   ENCODER_CMD, ENCODER_OUT, ENCODER_SHA256 (random_plain, the seeded
#   start of the shipped encoder, as weights/README.md section 2 makes it;
#   ENCODER_OUT is overwritten with the same bytes).  ENCODER_CMD set to
#   "" uses the file ENCODER_OUT as it is (a trained encoder, which no seed
#   remakes: put it in weights/encoder.safetensors, which travels anyway,
#   so the tree stays under 64 MiB); its hash is checked and logged the
#   same way.
set -u -o pipefail

CROP=${CROP:-256}
DEVICE=${DEVICE:-cuda}
BATCH=${BATCH:-8}
THREADS=${THREADS:-4}
PROBE=${PROBE:-300}
LR3=${LR3:-2e-4}
LR4=${LR4:-1.5e-4}
WARMUP=${WARMUP:-100}
SEED=${SEED:-3}
ENCODER_CMD=${ENCODER_CMD-tools/screen/make_variants.py --variant plain}
ENCODER_OUT=${ENCODER_OUT:-/var/tmp/sst-plain/random_plain.safetensors}
ENCODER_SHA256=${ENCODER_SHA256:-fe8d35c081bf69010c7b07c31d7589466aa5e74683633f0e02a47aaa7eb30e78}
PY=${PY:-python3}
HERE=$(cd "$(dirname "$0")/../.." && pwd)

die() {
  echo "device_decoders: $*" >&2
  exit 2
}

stage() {
  local dir=$1 data=${2:-/var/tmp/sst-data} init3=${3:-} init4=${4:-}
  [ -f "$data/MANIFEST.tsv" ] || die "$data/MANIFEST.tsv: no corpus there (tools/collect_data.py)"
  mkdir -p "$dir/data/images" || die "cannot make $dir/data/images"
  cp "$data/MANIFEST.tsv" "$dir/data/" || die "cannot copy the manifest"
  # column 6 is stored_size, "WxH"; the sampler's rule is min(W, H) >= crop
  awk -F'\t' -v c="$CROP" 'NR > 1 { split($6, s, "x");
      if (s[1] + 0 >= c && s[2] + 0 >= c) print $1 }' "$data/MANIFEST.tsv" |
    while IFS= read -r f; do
      cp "$data/images/$f" "$dir/data/images/" || exit 1
    done || die "cannot copy the images"
  rm -f "$dir/init_relu3_1.safetensors" "$dir/init_relu4_1.safetensors"
  [ -z "$init3" ] || cp "$init3" "$dir/init_relu3_1.safetensors" || die "cannot copy $init3"
  [ -z "$init4" ] || cp "$init4" "$dir/init_relu4_1.safetensors" || die "cannot copy $init4"
  echo "staged $(ls "$dir/data/images" | wc -l) images (short side >= $CROP)," \
    "$(du -sm "$dir" | cut -f1) MB in $dir"
}

train() {
  local dir=$1 out=$2 minutes=$3
  [ -f "$dir/data/MANIFEST.tsv" ] || die "$dir: not staged (run: $0 stage $dir ...)"
  local enc=$ENCODER_OUT
  # relative to the repository, like the command's paths
  case $enc in /*) ;; *) enc=$HERE/$enc ;; esac
  [ -n "$ENCODER_CMD" ] || [ -f "$enc" ] ||
    die "$ENCODER_OUT: no encoder there (ENCODER_CMD is empty)"
  mkdir -p "$out" || die "cannot make $out"
  # global, so the EXIT trap still sees it after train() returns
  work=$(mktemp -d) || die "no temporary folder"
  # checkpoints only: gone however the run ends, a failure's too
  trap 'rm -rf "$work"' EXIT
  export PYTHONUNBUFFERED=1
  local log=$out/device.log
  {
    date -u
    command -v nvidia-smi >/dev/null && nvidia-smi -L
    $PY -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())'
  } >"$log" 2>&1
  if [ -n "$ENCODER_CMD" ]; then
    mkdir -p "$(dirname "$enc")" || die "cannot make $(dirname "$enc")"
    (cd "$HERE" && $PY $ENCODER_CMD --out "$enc") >>"$log" 2>&1 ||
      die "the encoder could not be made (see $log)"
  else
    echo "encoder used as given: $enc" >>"$log"
  fi
  local sha
  sha=$(sha256sum "$enc" | cut -d' ' -f1)
  if [ "$sha" = "$ENCODER_SHA256" ]; then
    echo "encoder sha256 $sha (as expected)" >>"$log"
  else
    # train anyway: the decoders then fit the encoder made here, whose hash
    # every weights file records; the log says so
    echo "ENCODER MISMATCH: sha256 $sha, expected $ENCODER_SHA256" >>"$log"
  fi
  local pids=() layer lr init
  for layer in relu3_1 relu4_1; do
    [ $layer = relu3_1 ] && lr=$LR3 || lr=$LR4
    init=()
    [ -f "$dir/init_$layer.safetensors" ] && init=(--init "$dir/init_$layer.safetensors")
    $PY "$HERE/tools/train/train_decoder.py" --layer $layer --device "$DEVICE" \
      --threads "$THREADS" --encoder "$enc" --data "$dir/data" "${init[@]}" \
      --out "$out/decoder_$layer.safetensors" --ckpt-dir "$work/ckpt_$layer" \
      --ckpt-minutes 1 --budget-minutes "$minutes" --probe-steps "$PROBE" \
      --decay-frac 0 --warmup "$WARMUP" --seed "$SEED" --crop "$CROP" \
      --batch "$BATCH" --lr "$lr" --w-feat 1 --w-pix 5 --w-tv 0.01 \
      --mix 0.4 --mix-regions 0.3 --log-every 100 >"$out/train_$layer.log" 2>&1 &
    pids+=($!)
  done
  local rc=0 p
  for p in "${pids[@]}"; do
    wait "$p" || rc=1
  done
  date -u >>"$log"
  [ $rc = 0 ] || die "a training run failed (see $out/train_*.log)"
  ls -l "$out"
}

case "${1:-}" in
stage) shift; [ $# -ge 1 ] || die "usage: $0 stage STAGE_DIR [DATA [INIT3 [INIT4]]]"; stage "$@" ;;
train) shift; [ $# -eq 3 ] || die "usage: $0 train STAGE_DIR OUTDIR MINUTES"; train "$@" ;;
*) die "usage: $0 stage STAGE_DIR [DATA [INIT3 [INIT4]]] | train STAGE_DIR OUTDIR MINUTES" ;;
esac
