#!/usr/bin/env bash
# Installs the Debian packages the tests and benchmarks use, only those missing,
# non-interactively. The product itself needs none of them.
set -euo pipefail
# time and bc are for the benchmarks under bench/.
pkgs=(dcmtk python3-pydicom orthanc orthanc-dicomweb nmap tshark time bc)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
# tshark asks whether non-root users may capture; answer no up front.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
# The orthanc package would start a system instance on 4242/8042; tests never
# use it and start their own, so keep the package's service from starting.
policy=/usr/sbin/policy-rc.d
created_policy=""
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
	$SUDO chmod +x "$policy"
	created_policy=1
fi
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
[ -n "$created_policy" ] && $SUDO rm -f "$policy"
exit 0
