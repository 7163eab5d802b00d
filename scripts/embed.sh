#!/bin/sh
# embed.sh FILE NAME: print FILE as a C array NAME[] plus NAME_len.
set -eu
printf 'static const unsigned char %s[] = {\n' "$2"
od -An -v -tx1 "$1" | sed -e 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g' -e '/^$/d'
printf '};\nstatic const size_t %s_len = sizeof(%s);\n' "$2" "$2"
