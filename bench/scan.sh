#!/usr/bin/env bash
# Network scan benchmark: pacsguard scan against nmap's DICOM scripts on the
# same peers in one run (not part of make test).
#
# 1. Discovery: N (default 50) DCMTK `storescp -dhl --ignore` listeners on
#    distinct ports of 127.0.0.1 (DCMTK cannot bind an address). nmap
#    `-n -sT -p PORTS --script dicom-ping` against `pacsguard scan
#    --discovery` (one association per port, released), ROUNDS times
#    interleaved; best and median wall time of each and the ratio.
# 2. The full default (safe) audit of the same listeners: wall time.
# 3. AE-title enumeration against a strict Orthanc (test-peers.md §3.3
#    "secure": called-AE check, calling AEs bound to hosts) and against
#    dcmqrscp with an open (PUBLICQR) and a restricted (PRIVQR) AE, with the
#    same 14-title word list: `nmap --script +dicom-brute --script-args
#    passdb=LIST` against `pacsguard scan --no-builtin-aets --aet-wordlist
#    LIST`. Wall time, ratio and the titles each found.
#
# Peers run with Debian's defaults (Nagle on; see test-peers.md §2 item 3).
# pacsguard's gentle defaults (50 connections/s) are raised with --rate for
# the timed runs; the flags used are printed. Environment: N, ROUNDS.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-50}
ROUNDS=${ROUNDS:-3}
for tool in nmap storescp dcmqrscp Orthanc; do
	command -v "$tool" >/dev/null || { echo "scan.sh: $tool is missing (run scripts/install-deps.sh)" >&2; exit 2; }
done

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do
		for _ in $(seq 1 150); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT
go build -o "$work/pacsguard" ./cmd/pacsguard
pg="$work/pacsguard"

# used_ports lists the ports in the kernel's socket table (no packet sent).
used_ports() {
	local h
	for h in $(awk 'NR>1 {split($2,a,":"); print a[2]}' /proc/net/tcp /proc/net/tcp6 2>/dev/null); do echo $((16#$h)); done | sort -un
}
# free_port sets PORT to a port nothing listens on (no subshell: the counter
# must survive between calls).
next_port=20000
free_port() {
	local used
	used=$(used_ports)
	while grep -qx "$next_port" <<<"$used"; do next_port=$((next_port + 1)); done
	PORT=$next_port
	next_port=$((next_port + 1))
}
listening() { used_ports | grep -qx "$1"; }
wait_port() {
	for _ in $(seq 1 300); do listening "$1" && return 0; sleep 0.05; done
	echo "scan.sh: nothing listens on port $1" >&2
	return 1
}
now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc; }
best_median() { sort -n | awk '{a[NR]=$1} END {printf "%.3f %.3f\n", a[1], a[int((NR+1)/2)]}'; }

echo "== starting $N storescp listeners"
ports=()
for i in $(seq 1 "$N"); do
	free_port; p=$PORT
	mkdir -p "$work/s$i"
	( cd "$work/s$i" && exec storescp -dhl --ignore -aet "STORESCP" "$p" ) >"$work/s$i/log" 2>&1 </dev/null &
	pids+=("$!")
	ports+=("$p")
done
for p in "${ports[@]}"; do wait_port "$p"; done
plist=$(IFS=,; echo "${ports[*]}")

echo "== discovery: nmap -n -sT -p <$N ports> --script dicom-ping vs pacsguard scan --discovery"
pgflags=(--no-db --no-advisories --rate 5000 --concurrency 64 --timeout 2s)
: >"$work/nmap.t"; : >"$work/pg.t"
for r in $(seq 1 "$ROUNDS"); do
	t0=$(now); nmap -n -sT -p "$plist" --script +dicom-ping 127.0.0.1 >"$work/nmap.out" 2>&1; t1=$(now)
	elapsed "$t0" "$t1" >>"$work/nmap.t"
	t0=$(now); "$pg" scan --discovery "${pgflags[@]}" --dicom-ports "$plist" --web-ports "" --format json 127.0.0.1 >"$work/pg.json" || true; t1=$(now)
	elapsed "$t0" "$t1" >>"$work/pg.t"
done
read -r nb nm < <(best_median <"$work/nmap.t")
read -r pb pm < <(best_median <"$work/pg.t")
nfound=$(grep -c 'DICOM Service Provider discovered' "$work/nmap.out" || true)
pfound=$(grep -o '"transport": "dicom"' "$work/pg.json" | wc -l)
echo "nmap dicom-ping:      best ${nb}s median ${nm}s, $nfound services"
echo "pacsguard discovery:  best ${pb}s median ${pm}s, $pfound services (flags: ${pgflags[*]})"
echo "ratio pacsguard/nmap: best $(echo "scale=2; $pb / $nb" | bc), median $(echo "scale=2; $pm / $nm" | bc) (target <= 1.0)"

t0=$(now); "$pg" scan --discovery --no-db --dicom-ports "$plist" --web-ports "" --format json 127.0.0.1 >/dev/null || true; t1=$(now)
echo "pacsguard discovery with its gentle default flags (50 connections/s): $(elapsed "$t0" "$t1")s"

echo "== full default audit (safe mode, default flags) of the same $N listeners"
t0=$(now); "$pg" scan --no-db --dicom-ports "$plist" --web-ports "" --format json 127.0.0.1 >"$work/audit.json" || true; t1=$(now)
echo "pacsguard scan (safe): $(elapsed "$t0" "$t1")s, $(grep -o '"check_id"' "$work/audit.json" | wc -l) findings, $(grep -o '"connections": [0-9]*' "$work/audit.json")"
echo "(one host: ports are audited one at a time, and each C-ECHO waits for DCMTK's ~44 ms Nagle stall)"

echo "== AE-title enumeration: strict Orthanc and dcmqrscp, same 14-title list"
printf '%s\n' ANY-SCP PACS ORTHANC DCM4CHEE CONQUESTSRV1 STORESCP STORESCU SECUREPACS OPENPACS PUBLICQR PRIVQR MOVEDEST DICOM ARCHIVE >"$work/aets.txt"
free_port; op=$PORT; free_port; oh=$PORT
mkdir -p "$work/orthanc"
cat >"$work/orthanc/config.json" <<EOF
{
  "Name": "BENCH-SECURE", "StorageDirectory": "$work/orthanc/db", "IndexDirectory": "$work/orthanc/db",
  "DicomAet": "SECUREPACS", "DicomPort": $op, "HttpPort": $oh,
  "RemoteAccessAllowed": true, "AuthenticationEnabled": true, "RegisteredUsers": {"labadmin": "labpassword"},
  "DicomCheckCalledAet": true, "DicomCheckModalityHost": true,
  "DicomAlwaysAllowEcho": false, "DicomAlwaysAllowStore": false, "DicomAlwaysAllowFind": false,
  "DicomAlwaysAllowFindWorklist": false, "DicomAlwaysAllowGet": false, "DicomAlwaysAllowMove": false,
  "DicomModalities": {
    "ws1": ["WS1", "127.0.0.1", 11112],
    "storescp": {"AET": "STORESCP", "Host": "127.0.0.1", "Port": 11112, "AllowEcho": true, "AllowStore": true, "AllowFind": false, "AllowMove": false, "AllowGet": false},
    "remote9": ["REMOTE9", "127.0.0.9", 11112]
  }
}
EOF
( cd "$work/orthanc" && exec Orthanc config.json ) >"$work/orthanc/log" 2>&1 </dev/null &
pids+=("$!")
free_port; qp=$PORT
mkdir -p "$work/qr/PUBLICQR" "$work/qr/PRIVQR"
cat >"$work/qr/dcmqrscp.cfg" <<EOF
NetworkTCPPort  = $qp
MaxPDUSize      = 16384
MaxAssociations = 16
HostTable BEGIN
ws1       = (WS1, 127.0.0.1, 11112)
storescp  = (STORESCP, 127.0.0.1, 11112)
movedest  = (MOVEDEST, 127.0.0.1, 11114)
radiology = ws1, storescp, movedest
HostTable END
VendorTable BEGIN
VendorTable END
AETable BEGIN
PUBLICQR $work/qr/PUBLICQR RW (200, 1024mb) ANY
PRIVQR   $work/qr/PRIVQR   RW (200, 1024mb) radiology
AETable END
EOF
( cd "$work/qr" && exec dcmqrscp -dhl -c dcmqrscp.cfg "$qp" ) >"$work/qr/log" 2>&1 </dev/null &
pids+=("$!")
wait_port "$op"; wait_port "$oh"; wait_port "$qp"

enum() { # name port
	local name=$1 port=$2
	t0=$(now)
	nmap -n -sT -p "$port" --script +dicom-brute --script-args "passdb=$work/aets.txt" 127.0.0.1 >"$work/brute-$name.out" 2>&1 || true
	t1=$(now)
	local nt; nt=$(elapsed "$t0" "$t1")
	local nfound; nfound=$(grep -o 'Called Application Entity Title:[^ ]*' "$work/brute-$name.out" | sed 's/.*://' | sort | tr '\n' ' ' || true)
	t0=$(now)
	"$pg" scan --no-db --no-advisories --rate 5000 --timeout 2s --no-builtin-aets --aet-wordlist "$work/aets.txt" \
		--dicom-ports "$port" --web-ports "" --format json 127.0.0.1 >"$work/enum-$name.json" || true
	t1=$(now)
	local pt; pt=$(elapsed "$t0" "$t1")
	local pfound; pfound=$(sed -n '/"ae_titles"/,/\]/p' "$work/enum-$name.json" | grep -o '"[A-Z0-9_-]*"' | tr -d '"' | sort -u | tr '\n' ' ' || true)
	echo "$name: nmap dicom-brute ${nt}s found [${nfound% }]; pacsguard ${pt}s found [${pfound% }]; speed-up $(echo "scale=1; $nt / $pt" | bc)x (target >= 50x)"
}
enum "strict-orthanc" "$op"
enum "dcmqrscp" "$qp"
