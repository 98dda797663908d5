#!/usr/bin/env bash
# Runs every fuzz target in the module for FUZZTIME (default 10s) each.
# Go runs one fuzz target per invocation, so targets are listed per package.
set -euo pipefail
FUZZTIME=${FUZZTIME:-10s}
status=0
passed=0
failed=0
for pkg in $(go list ./...); do
	targets=$(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true)
	for t in $targets; do
		echo "fuzz $pkg $t ($FUZZTIME)"
		if ! go test -run '^$' -fuzz "^${t}\$" -fuzztime "$FUZZTIME" "$pkg" >/tmp/pacsguard-fuzz.log 2>&1; then
			cat /tmp/pacsguard-fuzz.log
			status=1
			failed=$((failed + 1))
		else
			passed=$((passed + 1))
		fi
	done
done
echo "fuzz: $passed passed, $failed failed"
exit $status
