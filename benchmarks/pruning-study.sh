#!/usr/bin/env bash
# Pruning study (issue #11): does pruning a trained MobileNet v1 alpha 1.0 to alpha 0.5 (ALPHA) beat training alpha 0.5
# from scratch at equal training budget? Arms (same seed, same data):
#   teacher    alpha 1.0 trained TEACHER_EPOCHS epochs (the model a user already has)
#   oneshot    teacher -> one cut to 0.5 (Taylor importance, BatchNorm recalibrated) -> FT_EPOCHS distilled epochs
#   gradual    teacher -> 4 cuts (1.0, 0.875, 0.75, 0.625, 0.5; Taylor, recalibrated), a third of an epoch of
#              distilled fine-tuning between cuts (1 epoch in all), then FT_EPOCHS-1 distilled epochs
#   scratch-ft    alpha 0.5 from scratch, FT_EPOCHS epochs      (equal fine-tuning epochs: the teacher is given)
#   scratch-total alpha 0.5 from scratch, TEACHER+FT epochs    (equal total epochs)
#   scratch-wall  alpha 0.5 from scratch, --time-budget = the wall time of teacher + oneshot (equal wall time)
#   nonuniform teacher -> per-layer widths chosen by `prune --target-latency` (sensitivity analysis + a per-layer latency
#              table measured here) with the budget = the measured latency of uniform alpha 0.5 -> FT_EPOCHS distilled
#              epochs: arm 5, compared with oneshot at the same measured latency (latency-rounds.md, interleaved)
# Every final checkpoint is exported (fp32 bundle) and quantized (int8 bundle); accuracy is measured with
# `edgekit eval-bundle` (the bundle's preprocessing contract, as the device agent feeds images) on the FULL
# 10,000-image test set; latency with `edgekit bench` (1 thread, batch 1); MACs and parameters from `edgekit models`.
# Steps that ended before (their output exists and times.tsv has their line) are skipped, and an interrupted training
# continues from its last epoch (`train --resume`), so an interrupted study resumes; delete the folder to start over.
# Usage: benchmarks/pruning-study.sh [out=/tmp/pruning-study]
# Every step's wall time, load average and hypervisor steal are in times.tsv.
#   env: TRAIN_LIMIT (12000) TEST_LIMIT (2000, test images evaluated during training) TEACHER_EPOCHS (4) FT_EPOCHS (3)
#        IMPORTANCE (taylor) DATA (fashion-mnist) EDGEKIT (command; default the Release build) WALL_ARM (1; 0 skips scratch-wall)
#        ARMS (teacher oneshot gradual scratch-ft scratch-total nonuniform; the teacher is needed by every pruned arm)
#        ROUNDS (5, interleaved latency rounds of the oneshot/nonuniform comparison) ALPHA (0.5, the target width of every arm)
#        BUDGET (relative: arm 5's search times each candidate against uniform ALPHA in alternation, --target-latency-of-alpha;
#        absolute: against the figure of uniform ALPHA measured once before the search, --target-latency MS)
#        NONUNIFORM_ARGS (extra `edgekit prune` flags of arm 5, e.g. "--sensitivity-images 100 --recalibration-images 128"
#        to shorten the sensitivity analysis: 14 layers x 3 cuts, each recalibrated and evaluated)
#        SEED (42: the seed of every training and prune step; another seed repeats the whole study on other weights,
#        batches and recalibration samples)
#        LATENCY_PRECISION (fp32; int8: arm 5's budget, search and latency rounds time quantized networks,
#        --latency-precision int8, for a model deployed in int8)
#        EVAL_DATA (DATA; the final bundles' test set, e.g. DATA=embedded EVAL_DATA=fashion-mnist: train on the embedded
#        subset, evaluate on all 10,000 Fashion-MNIST test images)
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-/tmp/pruning-study}")
train_limit=${TRAIN_LIMIT:-12000}
test_limit=${TEST_LIMIT:-2000}
teacher_epochs=${TEACHER_EPOCHS:-4}
alpha=${ALPHA:-0.5}
ft_epochs=${FT_EPOCHS:-3}
importance=${IMPORTANCE:-taylor}
data=${DATA:-fashion-mnist}
eval_data=${EVAL_DATA:-$data}
edgekit=${EDGEKIT:-dotnet tools/EdgeKit/bin/Release/net10.0/edgekit.dll}
[ -n "${EDGEKIT:-}" ] || [ -f tools/EdgeKit/bin/Release/net10.0/edgekit.dll ] || { echo "build first: dotnet build tools/EdgeKit -c Release" >&2; exit 2; }
mkdir -p "$out/logs"
times="$out/times.tsv"
[ -f "$times" ] || printf 'step\tseconds\tload-before\tload-after\tsteal-%%\n' >"$times"
set_data=(--data "$data" --limit-train "$train_limit" --limit-test "$test_limit" --seed "${SEED:-42}")
read -r -a arms <<<"${ARMS:-teacher oneshot gradual scratch-ft scratch-total nonuniform}"
rounds=${ROUNDS:-5}
latency_precision=(--latency-precision "${LATENCY_PRECISION:-fp32}")
want() { [[ " ${arms[*]} " == *" $1 "* ]]; }

echo "pruning study in $out: seed ${SEED:-42}, $data, $train_limit train / $test_limit test images during training, teacher $teacher_epochs epochs, fine-tune $ft_epochs epochs, importance $importance"
echo "host: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, flags: $(grep -o 'avx2\|avx512_vnni\|avx512_bf16' /proc/cpuinfo | sort -u | xargs)"

# cpu_ticks: the steal and total ticks of all CPUs so far (/proc/stat's cpu line: steal is its 8th number). On a VM the
# hypervisor's steal slows every timing without showing in the load average; each step records its share.
cpu_ticks() { awk '/^cpu /{ print $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
# step NAME DONE-FILE COMMAND...: runs COMMAND (log in logs/NAME.log) unless it ended before; records its wall time,
# the load average before and after and the hypervisor's steal over the step (% of CPU time). A step ended before when
# DONE-FILE exists AND times.tsv has its line: the trainer writes last/spec.json after every epoch, so the file alone
# would take a training interrupted mid-run (the study stopped and started again) for a finished one.
step() {
  local name=$1 done=$2; shift 2
  if [ -e "$done" ] && [ -n "$(seconds_of "$name")" ]; then echo "[$name] done before, skipped"; return; fi
  local load0 start ticks0
  load0=$(cut -d' ' -f1 /proc/loadavg)
  start=$(date +%s)
  ticks0=$(cpu_ticks)
  echo "[$name] $(date -u +%H:%M:%S) load $load0: $*"
  "$@" >"$out/logs/$name.log" 2>&1 || { echo "[$name] failed; see $out/logs/$name.log" >&2; tail -5 "$out/logs/$name.log" >&2; exit 1; }
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" $(( $(date +%s) - start )) "$load0" "$(cut -d' ' -f1 /proc/loadavg)" \
    "$(echo "$ticks0 $(cpu_ticks)" | awk '{ d = $4 - $2; printf "%.0f", (d > 0 ? 100 * ($3 - $1) / d : 0) }')" >>"$times"
  grep -h 'Best test accuracy\|accuracy\|Top-1\|top-1' "$out/logs/$name.log" | tail -3 | sed "s/^/[$name]   /" || true
}
seconds_of() { awk -F'\t' -v s="$1" '$1 == s { print $2 }' "$times" | tail -1; }

# --- training arms -------------------------------------------------------------------------------------------
want teacher && step teacher "$out/teacher/last/spec.json" $edgekit train --arch mobilenet_v1 --alpha 1.0 "${set_data[@]}" \
  --epochs "$teacher_epochs" --lr 0.1 --batch-size 128 --warmup 1 --resume --out "$out/teacher"
want oneshot && step oneshot "$out/oneshot/finetune/last/spec.json" $edgekit prune --checkpoint "$out/teacher/last" --alpha "$alpha" \
  --importance "$importance" "${set_data[@]}" --finetune-epochs "$ft_epochs" --out "$out/oneshot"
batches=$(( (train_limit + 127) / 128 / 3 ))
want gradual && step gradual "$out/gradual/finetune/last/spec.json" $edgekit prune --checkpoint "$out/teacher/last" --alpha "$alpha" \
  --importance "$importance" "${set_data[@]}" --steps 4 --step-epochs 1 --step-batches "$batches" \
  --finetune-epochs $(( ft_epochs > 1 ? ft_epochs - 1 : 1 )) --out "$out/gradual"
want scratch-ft && step scratch-ft "$out/scratch-ft/last/spec.json" $edgekit train --arch mobilenet_v1 --alpha "$alpha" "${set_data[@]}" \
  --epochs "$ft_epochs" --lr 0.1 --batch-size 128 --warmup 1 --resume --out "$out/scratch-ft"
want scratch-total && step scratch-total "$out/scratch-total/last/spec.json" $edgekit train --arch mobilenet_v1 --alpha "$alpha" "${set_data[@]}" \
  --epochs $(( teacher_epochs + ft_epochs )) --lr 0.1 --batch-size 128 --warmup 1 --resume --out "$out/scratch-total"
# --- bundles, accuracy through the device preprocessing, size, latency ----------------------------------------
# bundle ARM: fp32 + int8 bundles, eval-bundle on the full test set, 1-thread latency
bundle() {
  local arm=$1 p
  step "export-$arm" "$out/bundles/$arm-fp32/manifest.json" $edgekit export --checkpoint "${checkpoints[$arm]}" \
    --out "$out/bundles/$arm-fp32" --data "$data"
  step "quantize-$arm" "$out/bundles/$arm-int8/manifest.json" $edgekit quantize --bundle "$out/bundles/$arm-fp32" \
    --out "$out/bundles/$arm-int8" --data "$data"
  for p in fp32 int8; do
    step "eval-$arm-$p" "$out/logs/eval-$arm-$p.done" sh -c "$edgekit eval-bundle --bundle '$out/bundles/$arm-$p' --data '$eval_data' && touch '$out/logs/eval-$arm-$p.done'"
    step "bench-$arm-$p" "$out/bench/$arm-$p.json" sh -c "mkdir -p '$out/bench' && $edgekit bench --bundle '$out/bundles/$arm-$p' --threads 1 --runs 500 --warmup 50 --json '$out/bench/$arm-$p.json'"
  done
}
declare -A checkpoints=(
  [teacher]="$out/teacher/last" [oneshot]="$out/oneshot/finetune/last" [gradual]="$out/gradual/finetune/last"
  [scratch-ft]="$out/scratch-ft/last" [scratch-total]="$out/scratch-total/last" [scratch-wall]="$out/scratch-wall/last"
  [nonuniform]="$out/nonuniform/finetune/last")
for arm in "${arms[@]}"; do [ "$arm" = nonuniform ] || bundle "$arm"; done

# --- arm 5: a latency-chosen non-uniform plan at the measured latency of uniform alpha 0.5 -----------------------
if want nonuniform; then
  cache="$out/latency-cache"
  # The budget: uniform alpha 0.5 (this input size, channels, classes) measured whole on this machine, median of rounds.
  step latency-budget "$out/latency-budget.md" sh -c "$edgekit latency-table --alpha $alpha --rounds $rounds --cache '$cache' ${latency_precision[*]} \
    --input-size 32 --input-channels 1 --classes 10 > '$out/latency-budget.tmp' && mv '$out/latency-budget.tmp' '$out/latency-budget.md'"
  budget=$(grep "^| alpha $alpha |" "$out/latency-budget.md" | awk -F'|' '{gsub(/ /, "", $5); print $5}')
  echo "[nonuniform] latency budget = uniform alpha $alpha measured: $budget ms (load $(cut -d' ' -f1 /proc/loadavg))"
  # relative (default): every candidate plan is timed in alternation with uniform alpha $alpha during the search, so the
  # comparison holds while the machine's speed drifts; absolute: the figure above, measured once before the search.
  if [ "${BUDGET:-relative}" = absolute ]; then budget_flag=(--target-latency "$budget"); else budget_flag=(--target-latency-of-alpha "$alpha"); fi
  step nonuniform "$out/nonuniform/finetune/last/spec.json" $edgekit prune --checkpoint "$out/teacher/last" --alpha "$alpha" \
    --importance "$importance" "${set_data[@]}" "${budget_flag[@]}" "${latency_precision[@]}" --latency-cache "$cache" \
    --finetune-epochs "$ft_epochs" ${NONUNIFORM_ARGS:-} --out "$out/nonuniform"
  bundle nonuniform
  plan=$(tr -d ' \n' <"$out/nonuniform/prune/latency.json" | grep -o '"channelPlan":\[[0-9,]*\]' | head -1 | grep -o '[0-9,]*[0-9]')
  # Same measured latency? The two architectures timed whole in interleaved rounds, then the two trained bundles.
  step latency-rounds "$out/latency-rounds.md" sh -c "$edgekit latency-table --alpha $alpha --channel-plan '$plan' --rounds $rounds --cache '$cache' ${latency_precision[*]} \
    --input-size 32 --input-channels 1 --classes 10 > '$out/latency-rounds.tmp' && mv '$out/latency-rounds.tmp' '$out/latency-rounds.md'"
  if [ ! -e "$out/bench-rounds.tsv" ]; then
    printf 'round\tarm\tprecision\tp50 ms\tload\n' >"$out/bench-rounds.tmp"
    for r in $(seq 1 "$rounds"); do
      for p in fp32 int8; do
        for arm in oneshot nonuniform; do
          $edgekit bench --bundle "$out/bundles/$arm-$p" --threads 1 --runs 500 --warmup 50 --json "$out/bench/round$r-$arm-$p.json" >/dev/null
          printf '%s\t%s\t%s\t%s\t%s\n' "$r" "$arm" "$p" "$(grep -o '"p50Ms": *[0-9.]*' "$out/bench/round$r-$arm-$p.json" | head -1 | grep -o '[0-9.]*$')" \
            "$(cut -d' ' -f1 /proc/loadavg)" >>"$out/bench-rounds.tmp"
        done
      done
    done
    mv "$out/bench-rounds.tmp" "$out/bench-rounds.tsv"
  fi
  echo "[nonuniform] plan $plan; latency.json: $(tr -d ' \n' <"$out/nonuniform/prune/latency.json" | grep -o '"budgetMs":[0-9.]*\|"predictedMs":[0-9.]*\|"measuredMs":[0-9.]*\|"measuredWithinBudget":[a-z]*' | head -4 | xargs)"
  cat "$out/latency-rounds.md"
  awk -F'\t' 'NR > 1 { k = $2 "-" $3; v[k] = v[k] " " $4 } END { for (k in v) print "bench p50 ms by round, " k ":" v[k] }' "$out/bench-rounds.tsv" | sort
fi
# --- summary ---------------------------------------------------------------------------------------------------
summary="$out/summary.md"
write_summary() {
{
  # One bench run per bundle can land in either of this VM's two speeds (docs/pruning.md, "Two speeds"): where the
  # interleaved rounds measured an arm, the median of its rounds is the figure to compare.
  echo "| arm | precision | top-1 (eval-bundle, $eval_data test set) | file KiB | p50 ms (1 thread, one run) | p50 ms, median of the interleaved rounds | training s |"
  echo "|---|---|---:|---:|---:|---:|---:|"
  for arm in "${arms[@]}"; do
    for p in fp32 int8; do
      acc=$(grep -m1 -io 'top-1[^0-9]*[0-9.]* %' "$out/logs/eval-$arm-$p.log" | grep -o '[0-9.]* %' || echo '?')
      size=$(( $(stat -c %s "$out/bundles/$arm-$p/model.onnx") / 1024 ))
      p50=$(grep -o '"p50Ms": *[0-9.]*' "$out/bench/$arm-$p.json" | head -1 | grep -o '[0-9.]*$' || echo '?')
      rounds_p50=-
      if [ -e "$out/bench-rounds.tsv" ]; then
        rounds_p50=$(awk -F'\t' -v a="$arm" -v p="$p" 'NR > 1 && $2 == a && $3 == p { print $4 }' "$out/bench-rounds.tsv" | sort -g |
          awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
      fi
      echo "| $arm | $p | $acc | $size | $p50 | $rounds_p50 | $(seconds_of "$arm") |"
    done
  done
  if [ -e "$out/bench-rounds.tsv" ]; then
    echo
    for p in fp32 int8; do
      # Each round's two figures were taken a moment apart: their ratio holds when the machine switches speed between rounds.
      echo "nonuniform / oneshot ($p), median of the rounds' ratios: $(awk -F'\t' -v p="$p" 'NR > 1 && $3 == p { t[$1, $2] = $4; r[$1] = 1 }
        END { for (k in r) if (t[k, "oneshot"] > 0 && t[k, "nonuniform"] != "") print t[k, "nonuniform"] / t[k, "oneshot"] }' "$out/bench-rounds.tsv" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else printf "%.3f (%d rounds)\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, NR }')"
    done
  fi
  echo
  echo "Host: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(grep -o 'avx2\|avx512_vnni\|avx512_bf16' /proc/cpuinfo | sort -u | xargs); load now $(cut -d' ' -f1-3 /proc/loadavg); step times and loads: $times"
} >"$summary"
}
write_summary

# --- equal wall time: alpha 0.5 from scratch for as long as teacher + oneshot took (last: it is the longest) ------
if [ "${WALL_ARM:-1}" = 1 ]; then
  wall=$(( $(seconds_of teacher) + $(seconds_of oneshot) ))
  step scratch-wall "$out/scratch-wall/last/spec.json" $edgekit train --arch mobilenet_v1 --alpha "$alpha" "${set_data[@]}" \
    --time-budget "${wall}s" --lr 0.1 --batch-size 128 --warmup 1 --resume --out "$out/scratch-wall"
  arms+=(scratch-wall)
  bundle scratch-wall
  write_summary
fi
cat "$summary"
