#!/bin/sh
# sysusers-generate-pre.sh FILE: a %pre scriptlet creating the users and
# groups of a sysusers.d FILE with groupadd/useradd, as Fedora's
# sysusers.generate-pre.sh does. Used through macros.debian-host only.
sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$1" | while read -r type name id rest; do
	case $type in
	u)	gecos=$(printf '%s\n' "$rest" | sed -n 's/^"\([^"]*\)".*/\1/p')
		tail=$(printf '%s\n' "$rest" | sed 's/^"[^"]*"[[:space:]]*//')
		home=${tail%% *}; shell=${tail#* }
		[ -n "$home" ] && [ "$home" != "$tail" ] || { home=/; shell=/sbin/nologin; }
		echo "getent group '$name' >/dev/null || groupadd -r '$name'"
		echo "getent passwd '$name' >/dev/null || useradd -r -g '$name' -d '$home' -s '$shell' -c '$gecos' '$name'" ;;
	g)	echo "getent group '$name' >/dev/null || groupadd -r '$name'" ;;
	esac
done
