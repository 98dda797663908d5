#!/usr/bin/env bash
# C-STORE and association-rate benchmark, pacsguard next to DCMTK on loopback.
#
#   1. DCMTK storescu  -> DCMTK storescp --ignore     (baseline)
#   2. DCMTK storescu  -> pacsguard SCP (discard)     (pacsguard receiving)
#   3. pacsguard SCU   -> DCMTK storescp --ignore     (pacsguard sending)
#   4. associations/s (connect, A-ASSOCIATE, C-ECHO, A-RELEASE, close):
#      pacsguard SCU -> storescp, pacsguard SCU -> pacsguard SCP, and a
#      loop of DCMTK echoscu -> storescp (one process per association).
#
# Same files (generated, synthetic, >= 200 MB), same 16 KiB max PDU on
# both receivers, TCP_NODELAY=1 for every DCMTK tool (Debian's DCMTK keeps
# Nagle on otherwise: ~44 ms per exchange). Best of RUNS interleaved runs.
# Times include process start-up for every tool (storescu, storebench).
# Not part of `make test`. Usage: bench/store.sh  (env: N, SIZE, RUNS, ASSOCS)
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-120}            # files
SIZE=${SIZE:-1792000}  # pixel bytes per file (120 x ~1.8 MB = ~215 MB)
RUNS=${RUNS:-7}
ASSOCS=${ASSOCS:-2000}
ECHOS=${ECHOS:-100}

for b in storescp storescu echoscu go bc awk /usr/bin/python3; do
	command -v "$b" >/dev/null || { echo "store.sh: $b not found (install dcmtk / Go)" >&2; exit 3; }
done

WORK=$(mktemp -d /tmp/pacsguard-bench.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT

go build -o "$WORK/storebench" ./bench/cmd/storebench
"$WORK/storebench" gen -dir "$WORK/files" -n "$N" -size "$SIZE" >/dev/null
BYTES=$(cat "$WORK"/files/*.dcm | wc -c)

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# Readiness from the kernel's socket table: sends nothing to the server.
wait_listen() {
	local hex; hex=$(printf ':%04X' "$1")
	for _ in $(seq 300); do
		if awk -v p="$hex" '$4=="0A" && $2 ~ p"$" {f=1} END {exit !f}' /proc/net/tcp /proc/net/tcp6 2>/dev/null; then return 0; fi
		sleep 0.02
	done
	echo "store.sh: nothing listens on port $1" >&2; exit 3
}
now() { date +%s.%N; }
timed() { # timed CMD... : prints the wall time in seconds
	local t0 t1
	t0=$(now); "$@" >/dev/null 2>>"$WORK/errors.log"; t1=$(now)
	echo "$t1 - $t0" | bc -l
}
smaller() { if [ -z "$1" ] || [ "$(echo "$2 < $1" | bc -l)" = 1 ]; then echo "$2"; else echo "$1"; fi; }
mbps() { echo "scale=1; $BYTES / 1000000 / $1" | bc -l; }
ratio() { echo "scale=2; $1 / $2" | bc -l; }

P_DCMTK=$(free_port)
( exec env TCP_NODELAY=1 storescp -dhl -aet SINK --ignore "$P_DCMTK" ) >"$WORK/storescp.log" 2>&1 &
PIDS+=($!)
P_PG=$(free_port)
( exec "$WORK/storebench" scp -addr "127.0.0.1:$P_PG" -aet PGSINK -maxpdu 16384 ) >"$WORK/pgscp.log" 2>&1 &
PIDS+=($!)
wait_listen "$P_DCMTK"
wait_listen "$P_PG"

FILES=("$WORK"/files/*.dcm)
# Runs are interleaved (A, B, C, B, A, C, ...) and the best of each kept, so
# that a burst of load from other processes does not favour one side.
t_dd="" t_dp="" t_pd=""
for r in $(seq "$RUNS"); do
	if [ $((r % 2)) = 1 ]; then
		t_dd=$(smaller "$t_dd" "$(timed env TCP_NODELAY=1 storescu -aec SINK 127.0.0.1 "$P_DCMTK" "${FILES[@]}")")
		t_dp=$(smaller "$t_dp" "$(timed env TCP_NODELAY=1 storescu -aec PGSINK 127.0.0.1 "$P_PG" "${FILES[@]}")")
	else
		t_dp=$(smaller "$t_dp" "$(timed env TCP_NODELAY=1 storescu -aec PGSINK 127.0.0.1 "$P_PG" "${FILES[@]}")")
		t_dd=$(smaller "$t_dd" "$(timed env TCP_NODELAY=1 storescu -aec SINK 127.0.0.1 "$P_DCMTK" "${FILES[@]}")")
	fi
	t_pd=$(smaller "$t_pd" "$(timed "$WORK/storebench" store -addr "127.0.0.1:$P_DCMTK" -aec SINK -dir "$WORK/files")")
done

echo "C-STORE of ${#FILES[@]} files, $BYTES bytes, 16 KiB max PDU, best of $RUNS interleaved runs (TCP_NODELAY=1 for DCMTK)"
printf '  %-40s %8.1f MB/s  (%.3f s)\n' "storescu -> storescp (baseline)" "$(mbps "$t_dd")" "$t_dd"
printf '  %-40s %8.1f MB/s  (%.3f s)\n' "storescu -> pacsguard SCP" "$(mbps "$t_dp")" "$t_dp"
printf '  %-40s %8.1f MB/s  (%.3f s)\n' "pacsguard SCU -> storescp" "$(mbps "$t_pd")" "$t_pd"
echo "  ratio pacsguard SCP receiving / storescp:  $(ratio "$t_dd" "$t_dp")x"
echo "  ratio pacsguard SCU sending / storescu:    $(ratio "$t_dd" "$t_pd")x"
verdict() { if [ "$(echo "$1 >= 1.0" | bc -l)" = 1 ]; then echo "met"; else echo "NOT met"; fi; }
echo "  target >= 1.0x: receiving $(verdict "$(ratio "$t_dd" "$t_dp")"), sending $(verdict "$(ratio "$t_dd" "$t_pd")")"

rate() { echo "scale=1; $1 / $2" | bc -l; }
echo_loop() { for _ in $(seq "$ECHOS"); do TCP_NODELAY=1 echoscu -aec SINK 127.0.0.1 "$P_DCMTK" || return 1; done; }
a_pd="" a_pp="" a_dd=""
# The order alternates between rounds: each association leaves a socket in
# TIME_WAIT, and whichever runs second would otherwise meet more of them.
for r in $(seq "$RUNS"); do
	if [ $((r % 2)) = 1 ]; then
		a_pd=$(smaller "$a_pd" "$(timed "$WORK/storebench" assoc -addr "127.0.0.1:$P_DCMTK" -aec SINK -n "$ASSOCS")")
		a_pp=$(smaller "$a_pp" "$(timed "$WORK/storebench" assoc -addr "127.0.0.1:$P_PG" -aec PGSINK -n "$ASSOCS")")
	else
		a_pp=$(smaller "$a_pp" "$(timed "$WORK/storebench" assoc -addr "127.0.0.1:$P_PG" -aec PGSINK -n "$ASSOCS")")
		a_pd=$(smaller "$a_pd" "$(timed "$WORK/storebench" assoc -addr "127.0.0.1:$P_DCMTK" -aec SINK -n "$ASSOCS")")
	fi
	a_dd=$(smaller "$a_dd" "$(timed echo_loop)")
done
echo "Associations per second (connect, negotiate, C-ECHO, release), best of $RUNS interleaved runs"
printf '  %-40s %8.1f /s\n' "pacsguard SCU -> storescp" "$(rate "$ASSOCS" "$a_pd")"
printf '  %-40s %8.1f /s\n' "pacsguard SCU -> pacsguard SCP" "$(rate "$ASSOCS" "$a_pp")"
printf '  %-40s %8.1f /s\n' "echoscu loop -> storescp (1 process each)" "$(rate "$ECHOS" "$a_dd")"
echo "  ratio pacsguard SCP / storescp (same client):   $(ratio "$a_pd" "$a_pp")x"
echo "  ratio pacsguard SCU / echoscu (same server):    $(echo "scale=2; ($ASSOCS / $a_pd) / ($ECHOS / $a_dd)" | bc -l)x"
if [ -s "$WORK/errors.log" ]; then echo "errors:"; cat "$WORK/errors.log"; exit 1; fi
