# A regular file, a symlink or a directory at the socket path is refused
# and left exactly as it was; so is a second instance.
. "$(dirname "$0")/lib.sh"

mkpol() {
	cat >"$T/p.policy" <<EOP
listener echo {
	path	$T/echo.sock
	service	echo
	allow	any
}
EOP
}
mkpol
echo precious >"$T/echo.sock"
"$BIN" -f "$T/p.policy" 2>"$T/log1"; rc=$?
check "regular file at path: refused (exit $rc)" [ "$rc" -ne 0 ]
check "regular file at path: contents intact" [ "$(cat "$T/echo.sock")" = precious ]
check "regular file at path: message says so" grep -q "not a socket (regular file)" "$T/log1"
rm -f "$T/echo.sock"

echo target >"$T/target"
ln -s "$T/target" "$T/echo.sock"
"$BIN" -f "$T/p.policy" 2>"$T/log2"; rc=$?
check "symlink at path: refused (exit $rc)" [ "$rc" -ne 0 ]
check "symlink at path: link intact" [ -L "$T/echo.sock" ] && [ "$(readlink "$T/echo.sock")" = "$T/target" ]
check "symlink at path: target intact" [ "$(cat "$T/target")" = target ]
rm -f "$T/echo.sock"

mkdir "$T/echo.sock"
"$BIN" -f "$T/p.policy" 2>"$T/log3"; rc=$?
check "directory at path: refused (exit $rc)" [ "$rc" -ne 0 ]
check "directory at path: still a directory" [ -d "$T/echo.sock" ]
rmdir "$T/echo.sock"

# A second instance must fail on the lock and not disturb the first.
start_gw "$T/p.policy" || { notok "refuse: first instance"; exit 1; }
first=$GW_PID
ino=$(stat -c %i "$T/echo.sock")
"$BIN" -f "$T/p.policy" 2>"$T/log4"; rc=$?
check "second instance exits non-zero (exit $rc)" [ "$rc" -ne 0 ]
check "second instance names the lock" grep -q "is held by another process" "$T/log4"
check "first instance's socket untouched" [ "$(stat -c %i "$T/echo.sock")" = "$ino" ]
out=$(printf 'still' | socat -t 5 - "UNIX-CONNECT:$T/echo.sock")
check "first instance still serves" [ "$out" = still ]
GW_PID=$first
stop_gw TERM
