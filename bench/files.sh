#!/usr/bin/env bash
# Archive sweep benchmark: `pacsguard files scan` with every detector against
# DCMTK's `dcmdump -q -M` batched by `xargs -P $(nproc)`, on the same files in
# one run (not part of make test).
#
# Corpus: the codec benchmark's corpus (bench/corpus, built here if absent,
# N files, default 6000, in CORPUS, default /tmp/pacsguard-bench-corpus) plus
# COPIES (default 5) copies of every malicious and damaged variant of
# internal/filescan/filescantest injected into a second tree. Both tools read
# the same list of files from a warm page cache, ROUNDS times interleaved.
# It prints files/s for each (best and median), the ratio, pacsguard's peak
# RSS (/usr/bin/time -v), the number of findings and flagged files in the
# injected tree (every injected file must be flagged) and in the corpus.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-6000}
ROUNDS=${ROUNDS:-3}
COPIES=${COPIES:-5}
CORPUS=${CORPUS:-/tmp/pacsguard-bench-corpus}
JOBS=$(nproc)
for tool in dcmdump /usr/bin/time jq; do
	command -v "$tool" >/dev/null || { echo "files.sh: $tool is missing (run scripts/install-deps.sh)" >&2; exit 2; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/pacsguard" ./cmd/pacsguard
go build -o "$work/corpus" ./bench/corpus
go build -o "$work/variants" ./internal/filescan/filescantest/variants

count=$(find "$CORPUS" -name '*.dcm' 2>/dev/null | wc -l || true)
if [ "$count" -ne "$N" ]; then
	echo "building a corpus of $N files in $CORPUS ..."
	rm -rf "$CORPUS"
	"$work/corpus" -out "$CORPUS" -n "$N"
fi
inject="$work/injected"
injected=$("$work/variants" -out "$inject" -copies "$COPIES")

find "$CORPUS" "$inject" -type f | sort >"$work/list"
files=$(wc -l <"$work/list")
bytes=$(du -scb "$CORPUS" "$inject" | tail -1 | cut -f1)
echo "corpus: $files files ($injected injected malicious or damaged), $((bytes / 1000000)) MB, $JOBS CPUs"
xargs cat <"$work/list" >/dev/null # warm the page cache

now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.1f", n / (b - a) }'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
pg=() dd=() rss=0
for round in $(seq "$ROUNDS"); do
	start=$(now)
	# Exit code 1 means "findings present": expected here.
	/usr/bin/time -v -o "$work/time" "$work/pacsguard" files scan --no-db --format json --output "$work/report.json" "$CORPUS" "$inject" 2>"$work/stderr" || [ $? -eq 1 ]
	end=$(now)
	pg+=("$(rate "$files" "$start" "$end")")
	r=$(awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }' "$work/time")
	[ "$r" -gt "$rss" ] && rss=$r

	start=$(now)
	xargs -P "$JOBS" -n 200 dcmdump -q -M <"$work/list" >/dev/null 2>&1 || true
	end=$(now)
	dd+=("$(rate "$files" "$start" "$end")")
	printf 'round %d: pacsguard files scan %8.0f files/s   dcmdump %8.0f files/s\n' "$round" "${pg[-1]}" "${dd[-1]}"
done

scanned=$(jq '.summary.files' "$work/report.json")
[ "$scanned" -eq "$files" ] || { echo "files.sh: pacsguard scanned $scanned files of $files" >&2; exit 1; }
findings=$(jq '.findings | length' "$work/report.json")
inj_findings=$(jq --arg p "$inject/" '[.findings[] | select(.path | startswith($p))] | length' "$work/report.json")
inj_flagged=$(jq --arg p "$inject/" '[.findings[] | select(.path | startswith($p)) | .path] | unique | length' "$work/report.json")
corpus_findings=$((findings - inj_findings))
corpus_flagged=$(jq --arg p "$CORPUS/" '[.findings[] | select(.path | startswith($p)) | .path] | unique | length' "$work/report.json")

best() { printf '%s\n' "$@" | sort -g | tail -1; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
pgb=$(best "${pg[@]}") ddb=$(best "${dd[@]}") pgm=$(median "${pg[@]}") ddm=$(median "${dd[@]}")
echo
printf 'pacsguard files scan (all detectors): %8.0f files/s (best)  %8.0f (median)\n' "$pgb" "$pgm"
printf 'dcmdump -q -M, xargs -P%d:           %8.0f files/s (best)  %8.0f (median)\n' "$JOBS" "$ddb" "$ddm"
printf 'ratio: %sx (best)  %sx (median)   target >= 3x\n' "$(div "$pgb" "$ddb")" "$(div "$pgm" "$ddm")"
printf 'pacsguard peak RSS: %d MB   target < 200 MB\n' "$((rss / 1024))"
printf 'detections: %d findings; injected tree: %d of %d files flagged (%d findings); corpus: %d files flagged (%d findings)\n' \
	"$findings" "$inj_flagged" "$injected" "$inj_findings" "$corpus_flagged" "$corpus_findings"
jq -r --arg p "$CORPUS/" '[.findings[] | select(.path | startswith($p)) | .check_id] | group_by(.) | map("  corpus \(.[0]): \(length)") | .[]' "$work/report.json"
