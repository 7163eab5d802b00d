#!/bin/bash
# bench/report.sh OUT REPS DUR WARM IDLE_N: results.md and the plot from
# OUT/raw.tsv, OUT/idle.tsv and OUT/wrk.tsv (written by bench/run.sh).
set -u
OUT=$1 REPS=$2 DUR=$3 WARM=$4 IDLE_N=$5
MD=$OUT/results.md
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
{
echo "# uds-gateway benchmark results"
echo
echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) CPUs ($cpu), kernel $(uname -r);"
echo "servers pinned to one CPU, the load generator (\`loadgen\`, 1 thread) to the other."
echo "$REPS repetitions of ${DUR}s after ${WARM}s of warm-up; medians; ratios from the medians of this run."
echo "Servers: uds-gateway $(git -C "$(dirname "$0")/.." describe --always --dirty 2>/dev/null || echo '?') (1 worker),"
echo "$(/usr/sbin/nginx -v 2>&1 | sed 's/.*: //') (1 worker), Node $(node --version 2>/dev/null)."
echo
awk -F'\t' '
function med(k,   n, i, j, t, a) {
	n = cnt[k]
	if (n == 0) return ""
	for (i = 1; i <= n; i++) a[i] = val[k, i]
	for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j+1] = a[j]; a[j+1] = t }
	return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
}
function add(k, v) { if (v == "NA" || v == "") return; cnt[k]++; val[k, cnt[k]] = v + 0 }
function fmt(v, w) {
	if (v == "") return "–"
	if (w == "stream") return sprintf("%.2f GB/s", v)
	return v >= 10000 ? sprintf("%.0fk", v / 1000) : sprintf("%.0f", v)
}
function ratio(a, b) { return (a == "" || b == "" || b == 0) ? "–" : sprintf("%.2f×", a / b) }
FNR == 1 { file++ }
file == 1 {
	add($1 SUBSEP $2, $4); add("p99" SUBSEP $1 SUBSEP $2, $5)
	add("scpu" SUBSEP $1 SUBSEP $2, $6); add("lcpu" SUBSEP $1 SUBSEP $2, $7)
	err[$1, $2] += $8; seen[$2] = 1
	next
}
END {
	nw = split("h1 h16 h256 p16x16", W, " ")
	name["h1"] = "HTTP, 1 conn"; name["h16"] = "HTTP, 16 conns"; name["h256"] = "HTTP, 256 conns"
	name["p16x16"] = "HTTP, 16 conns × 16 pipelined"; name["e1"] = "echo 64 B, 1 conn"
	name["e64"] = "echo 64 B, 64 conns"; name["stream"] = "echo stream, 64 KiB writes"
	print "## HTTP (requests/s, median)\n"
	print "| workload | uds-gateway | uds-gateway, no seccomp | nginx | Node | gw / nginx | gw / Node | seccomp cost |"
	print "|---|---:|---:|---:|---:|---:|---:|---:|"
	for (i = 1; i <= nw; i++) {
		w = W[i]; g = med("gw" SUBSEP w); gn = med("gw-noseccomp" SUBSEP w)
		n = med("nginx" SUBSEP w); o = med("node" SUBSEP w)
		sc = (g == "" || gn == "" || gn == 0) ? "–" : sprintf("%+.1f%%", (gn - g) / gn * 100)
		printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", name[w], fmt(g), fmt(gn), fmt(n), fmt(o), ratio(g, n), ratio(g, o), sc
	}
	print "\n## HTTP latency (p99 µs, median of runs) and CPU use (server / loadgen, fraction of one CPU)\n"
	print "| workload | uds-gateway | nginx | Node | gw CPU | nginx CPU | Node CPU | loadgen CPU (gw / nginx / Node) |"
	print "|---|---:|---:|---:|---:|---:|---:|---:|"
	for (i = 1; i <= nw; i++) {
		w = W[i]
		printf "| %s | %s | %s | %s | %s | %s | %s | %s / %s / %s |\n", name[w], med("p99" SUBSEP "gw" SUBSEP w),
		    med("p99" SUBSEP "nginx" SUBSEP w), med("p99" SUBSEP "node" SUBSEP w),
		    med("scpu" SUBSEP "gw" SUBSEP w), med("scpu" SUBSEP "nginx" SUBSEP w), med("scpu" SUBSEP "node" SUBSEP w),
		    med("lcpu" SUBSEP "gw" SUBSEP w), med("lcpu" SUBSEP "nginx" SUBSEP w), med("lcpu" SUBSEP "node" SUBSEP w)
	}
	if (cnt["nginx-tcp" SUBSEP "h16"]) {
		print "\n## Unix socket vs TCP loopback (nginx; uds-gateway has no TCP listener by design)\n"
		print "| workload | nginx UDS | nginx TCP 127.0.0.1 | UDS / TCP | p99 µs UDS | p99 µs TCP |"
		print "|---|---:|---:|---:|---:|---:|"
		split("h1 h16 h256", T, " ")
		for (i = 1; i <= 3; i++) {
			w = T[i]; u = med("nginx" SUBSEP w); t = med("nginx-tcp" SUBSEP w)
			printf "| %s | %s | %s | %s | %s | %s |\n", name[w], fmt(u), fmt(t), ratio(u, t),
			    med("p99" SUBSEP "nginx" SUBSEP w), med("p99" SUBSEP "nginx-tcp" SUBSEP w)
		}
	}
	if (seen["e1"]) {
		print "\n## Echo (messages/s; stream: verified GB/s)\n"
		print "| workload | uds-gateway | uds-gateway, no seccomp | Node (net, pipe) | gw / Node | p99 µs gw | p99 µs Node | stalls gw / Node |"
		print "|---|---:|---:|---:|---:|---:|---:|---:|"
		split("e1 e64 stream", E, " ")
		for (i = 1; i <= 3; i++) {
			w = E[i]; g = med("gw-echo" SUBSEP w); gn = med("gw-noseccomp-echo" SUBSEP w); o = med("node-echo" SUBSEP w)
			if (w == "stream")
				printf "| %s | %s | %s | %s | %s | – | – | %d / %d |\n", name[w], fmt(g, w), fmt(gn, w), fmt(o, w), ratio(g, o),
				    sumst["gw-echo"] + 0, sumst["node-echo"] + 0
			else
				printf "| %s | %s | %s | %s | %s | %s | %s | – |\n", name[w], fmt(g), fmt(gn), fmt(o), ratio(g, o),
				    med("p99" SUBSEP "gw-echo" SUBSEP w), med("p99" SUBSEP "node-echo" SUBSEP w)
		}
	}
	e = ""
	for (k in err) if (err[k] > 0) { split(k, kk, SUBSEP); e = e " " kk[1] "/" kk[2] "=" err[k] }
	print "\nErrors (connection errors + non-2xx + verification failures, all runs):" (e == "" ? " none." : e)
	# for the targets section
	for (k in cnt) if (index(k, SUBSEP) && k !~ /^(p99|scpu|lcpu)/) print k "\t" med(k) > "/dev/stderr"
}
' "$OUT/raw.tsv" 2> "$OUT/medians.tsv"
# stalls are summed, not medians: patch them in from raw.
} > "$MD.tmp"
# Stalls: sum over all stream runs.
sg=$(awk -F'\t' '$1=="gw-echo" && $2=="stream" {s+=$5} END {print s+0}' "$OUT/raw.tsv")
sn=$(awk -F'\t' '$1=="node-echo" && $2=="stream" {s+=$5} END {print s+0}' "$OUT/raw.tsv")
sed "s#| 0 / 0 |\$#| $sg / $sn |#" "$MD.tmp" > "$MD"
rm -f "$MD.tmp"

{
if [ -s "$OUT/idle.tsv" ]; then
	echo
	echo "## Memory per idle connection ($IDLE_N connections held, fresh servers)"
	echo
	echo "Worker process only, from /proc/PID/smaps_rollup before and after, divided by $IDLE_N."
	echo "Kernel socket memory (struct sock, buffers) is not in these figures."
	echo
	echo "| server | Pss B/conn | Private B/conn | RSS B/conn | server fds added | still open at the end |"
	echo "|---|---:|---:|---:|---:|---:|"
	awk -F'\t' '{printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6}' "$OUT/idle.tsv"
fi
if [ -s "$OUT/wrk.tsv" ]; then
	echo
	echo "## loadgen vs wrk (nginx on TCP 127.0.0.1, same CPU, 1 thread each, medians)"
	echo
	echo "| connections | wrk req/s | loadgen req/s | loadgen / wrk | wrk p99 µs | loadgen p99 µs |"
	echo "|---:|---:|---:|---:|---:|---:|"
	awk -F'\t' '
	function med(s,   n, a, i, j, t) { n = split(s, a, " "); for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j+1] = a[j]; a[j+1] = t } return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2 }
	{ w[$1] = w[$1] " " $3; l[$1] = l[$1] " " $4; wp[$1] = wp[$1] " " $5; lp[$1] = lp[$1] " " $6; if (!($1 in o)) { o[$1] = 1; ord[++n] = $1 } }
	END { for (i = 1; i <= n; i++) { c = ord[i]; a = med(w[c]); b = med(l[c])
		printf "| %s | %.0f | %.0f | %.3f | %s | %s |\n", c, a, b, a ? b / a : 0, med(wp[c]), med(lp[c]) } }' "$OUT/wrk.tsv"
fi
} >> "$MD"

# Targets (see the issue): met or missed, from the medians above.
M=$OUT/medians.tsv
m() { awk -F'\t' -v k="$1$(printf '\034')$2" '$1 == k {print $2}' "$M"; }
p99() { awk -F'\t' -v s="$1" -v w="$2" '$1==s && $2==w {print $5}' "$OUT/raw.tsv" | sort -n | awk '{a[NR]=$1} END {print NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
chk() {	# chk LABEL VALUE OP TARGET UNIT
	local v=$2
	if [ -z "$v" ]; then printf '| %s | – | %s %s | not measured |\n' "$1" "$3" "$4"; return; fi
	if awk -v v="$v" -v t="$4" -v op="$3" 'BEGIN {exit !(op == ">=" ? v >= t : v <= t)}'; then r=met; else r="**missed**"; fi
	printf '| %s | %s%s | %s %s%s | %s |\n' "$1" "$v" "$5" "$3" "$4" "$5" "$r"
}
rt() { awk -v a="$1" -v b="$2" 'BEGIN {if (a == "" || b == "" || b == 0) print ""; else printf "%.2f", a / b}'; }
{
echo
echo "## Targets"
echo
echo "| target | measured | goal | status |"
echo "|---|---:|---:|---|"
chk "HTTP 16 conns, gw / nginx" "$(rt "$(m gw h16)" "$(m nginx h16)")" ">=" 1.3 "×"
chk "HTTP 256 conns, gw / nginx" "$(rt "$(m gw h256)" "$(m nginx h256)")" ">=" 1.3 "×"
chk "HTTP 1 conn, gw / nginx" "$(rt "$(m gw h1)" "$(m nginx h1)")" ">=" 1.0 "×"
for w in h1 h16 h256; do
	chk "p99 $w, gw / nginx" "$(rt "$(p99 gw $w)" "$(p99 nginx $w)")" "<=" 1.0 "×"
done
chk "pipelined 16×16, gw / nginx" "$(rt "$(m gw p16x16)" "$(m nginx p16x16)")" ">=" 4 "×"
chk "HTTP 16 conns, gw / Node" "$(rt "$(m gw h16)" "$(m node h16)")" ">=" 5 "×"
chk "echo stream, gw / Node" "$(rt "$(m gw-echo stream)" "$(m node-echo stream)")" ">=" 1.5 "×"
chk "echo stream stalls (gw, all runs)" "$sg" "<=" 0 ""
chk "echo 64 B at 64 conns, gw / Node" "$(rt "$(m gw-echo e64)" "$(m node-echo e64)")" ">=" 2 "×"
chk "idle memory per conn (gw, Pss)" "$(awk -F'\t' '$1=="gw" {print $2}' "$OUT/idle.tsv")" "<=" 256 " B"
for w in h16 p16x16; do
	chk "seccomp cost, $w" "$(awk -v a="$(m gw $w)" -v b="$(m gw-noseccomp $w)" 'BEGIN {if (b) printf "%.1f", (b - a) / b * 100}')" "<=" 3 "%"
done
chk "seccomp cost, echo 64 B × 64" "$(awk -v a="$(m gw-echo e64)" -v b="$(m gw-noseccomp-echo e64)" 'BEGIN {if (b) printf "%.1f", (b - a) / b * 100}')" "<=" 3 "%"
} >> "$MD"

# Plot: requests/s by connection count, one line per server.
if command -v gnuplot >/dev/null 2>&1; then
	{
		for c in 1 16 256; do
			printf '%s' $c
			for s in gw gw-noseccomp nginx node; do printf ' %s' "$(m $s h$c)"; done
			echo
		done
	} > "$OUT/http_rps.dat"
	gnuplot <<EOF
set terminal svg size 720,440 dynamic font "sans,12"
set output "$OUT/http_rps.svg"
set title "HTTP requests/s by connections (Unix socket, 1 worker, 1 CPU)"
set xlabel "keep-alive connections"
set ylabel "requests/s"
set logscale x 2
set xtics ("1" 1, "16" 16, "256" 256)
set yrange [0:*]
set key outside right
set grid
plot "$OUT/http_rps.dat" using 1:2 with linespoints lw 2 title "uds-gateway", \
     "" using 1:3 with linespoints lw 2 dt 2 title "uds-gateway --no-seccomp", \
     "" using 1:4 with linespoints lw 2 title "nginx", \
     "" using 1:5 with linespoints lw 2 title "Node"
EOF
	printf '\n![requests/s by connection count](http_rps.svg)\n' >> "$MD"
fi
cat "$MD"
