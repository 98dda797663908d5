#!/usr/bin/env bash
# Metadata sweep benchmark: pacsguard's parser against DCMTK's dcmdump on the
# same corpus in one run (not part of make test; run `make bench` or this).
#
# It builds (once) a corpus of N files (default 6000) of mixed transfer
# syntaxes and sizes with bench/corpus (pydicom's samples re-identified by
# our writer, plus generated images up to 16 MB), then, ROUNDS times
# interleaved, sweeps it with bench/sweep (parse up to pixel data, one worker
# per CPU) and with `dcmdump -q -M` batched by `xargs -P $(nproc)`. The page
# cache is warmed first so both read from memory. It prints files/s for each
# (best and median round: other processes share the machine), the ratio, and
# pacsguard's peak RSS; then sweeps a 2 GB sparse file to show bounded memory.
#
# Environment: N (files), ROUNDS (default 3), CORPUS (directory, default
# /tmp/pacsguard-bench-corpus; rebuilt when its file count differs from N).
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-6000}
ROUNDS=${ROUNDS:-3}
CORPUS=${CORPUS:-/tmp/pacsguard-bench-corpus}
JOBS=$(nproc)
for tool in dcmdump /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "parse.sh: $tool is missing (run scripts/install-deps.sh)" >&2; exit 2; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/corpus" ./bench/corpus
go build -o "$work/sweep" ./bench/sweep

count=$(find "$CORPUS" -name '*.dcm' 2>/dev/null | wc -l || true)
if [ "$count" -ne "$N" ]; then
	echo "building a corpus of $N files in $CORPUS ..."
	rm -rf "$CORPUS"
	"$work/corpus" -out "$CORPUS" -n "$N"
fi
find "$CORPUS" -name '*.dcm' | sort >"$work/list"
files=$(wc -l <"$work/list")
bytes=$(du -sb "$CORPUS" | cut -f1)
echo "corpus: $files files, $((bytes / 1000000)) MB, $JOBS CPUs"
xargs cat <"$work/list" >/dev/null # warm the page cache

now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.1f", n / (b - a) }'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
pg=() dd=() rss=0
for round in $(seq "$ROUNDS"); do
	start=$(now)
	/usr/bin/time -f '%M' -o "$work/rss" "$work/sweep" <"$work/list" >"$work/sweep.out"
	end=$(now)
	grep -q 'failed=0 ' "$work/sweep.out" || { echo "pacsguard failed on some files:" >&2; cat "$work/sweep.out" >&2; exit 1; }
	pg+=("$(rate "$files" "$start" "$end")")
	r=$(cat "$work/rss"); [ "$r" -gt "$rss" ] && rss=$r

	start=$(now)
	xargs -P "$JOBS" -n 200 dcmdump -q -M <"$work/list" >/dev/null
	end=$(now)
	dd+=("$(rate "$files" "$start" "$end")")
	printf 'round %d: pacsguard %8.0f files/s   dcmdump %8.0f files/s\n' "$round" "${pg[-1]}" "${dd[-1]}"
done

best() { printf '%s\n' "$@" | sort -g | tail -1; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
pgb=$(best "${pg[@]}") ddb=$(best "${dd[@]}") pgm=$(median "${pg[@]}") ddm=$(median "${dd[@]}")
echo
printf 'pacsguard metadata sweep: %8.0f files/s (best)  %8.0f (median)\n' "$pgb" "$pgm"
printf 'dcmdump -q -M, xargs -P%d: %8.0f files/s (best)  %8.0f (median)\n' "$JOBS" "$ddb" "$ddm"
printf 'ratio: %sx (best)  %sx (median)   target >= 5x\n' "$(div "$pgb" "$ddb")" "$(div "$pgm" "$ddm")"
printf 'pacsguard peak RSS: %d MB   target < 100 MB\n' "$((rss / 1024))"

"$work/corpus" -big "$work/big.dcm"
echo "$work/big.dcm" | /usr/bin/time -f '%M' -o "$work/rss" "$work/sweep" -no-stop >/dev/null
printf '2 GB file (pixel data skipped, not read): peak RSS %d MB\n' "$(($(cat "$work/rss") / 1024))"
