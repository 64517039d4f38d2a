# Shared by the shell tests: TAP output and a fresh store per test file.
# Sourced by tests/cli/*.sh, which tests/run-tests runs with MAILTREE set
# to the mailtree binary under test.
set -u
: "${MAILTREE:?run through tests/run-tests}"
T_N=0
T_FAILED=0
ok() {	# ok DESCRIPTION COMMAND...
	local what=$1; shift
	T_N=$((T_N + 1))
	if "$@" >"$T_DIR/.out" 2>&1; then
		echo "ok $T_N - $what"
	else
		echo "not ok $T_N - $what"
		sed 's/^/# /' "$T_DIR/.out" | tail -n 15
		T_FAILED=$((T_FAILED + 1))
	fi
}
is() {	# is DESCRIPTION GOT WANT
	T_N=$((T_N + 1))
	if [ "$2" = "$3" ]; then
		echo "ok $T_N - $1"
	else
		echo "not ok $T_N - $1"
		printf '#   got: %s\n#  want: %s\n' "$2" "$3"
		T_FAILED=$((T_FAILED + 1))
	fi
}
skip() { T_N=$((T_N + 1)); echo "ok $T_N # SKIP $*"; }
done_testing() { echo "1..$T_N"; [ "$T_FAILED" -eq 0 ]; }
# tmp_files DIR: how many files in a folder's tmp/ are (partial) messages.
# A daemon's folder keeps the inode of its dovecot-uidlist lock there as
# "<time>.M<usec>P<pid>Q<n>.lock" (fs/dotlock.h): not a message.
tmp_files() { ls "$1" 2>/dev/null | grep -cv '\.lock$'; }
T_DIR=$(mktemp -d "${MAILTREE_TMP:-/tmp}/cli.XXXXXX")
export MAILTREE_STORE=$T_DIR/store
# `mt` runs mailtree, also inside `sh -c` strings.
mkdir -p "$T_DIR/bin"
printf '#!/bin/sh\nexec "%s" "$@"\n' "$MAILTREE" >"$T_DIR/bin/mt"
chmod +x "$T_DIR/bin/mt"
export PATH="$T_DIR/bin:$PATH"

# wait_for SECONDS COMMAND...: retries until the command succeeds.
wait_for() {
	local tenths=$(($1 * 10)) i; shift
	for i in $(seq "$tenths"); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
