# Run by tcp_options.sh inside `unshare -n` (a network namespace that ends
# with this shell): a weir server on ::1, a client with -L 0x12345, and
# nftables counting the large TCP packets with that label and all of them.
# Prints "LABELLED ALL"; exits 2, 3 or 4 when lo, nft or the client fail.
set -u
ip link set lo up || exit 2
nft -f - <<'EOF' || exit 3
table ip6 weirfl {
    chain pre {
        type filter hook prerouting priority 0; policy accept;
        ip6 nexthdr tcp meta length > 1000 ip6 flowlabel 0x12345 counter
        ip6 nexthdr tcp meta length > 1000 counter
    }
}
EOF
"$WEIR" -s -1 -p 5201 >/dev/null 2>&1 &
for _ in $(seq 100); do      # until port 5201 (0x1451) listens
    awk '$2 ~ /:1451$/ && $4 == "0A" { f = 1 } END { exit !f }' /proc/net/tcp6 && break
    sleep 0.05
done
"$WEIR" -c ::1 -p 5201 -t 1 -L 0x12345 >/dev/null 2>&1 || exit 4
wait
nft -j list table ip6 weirfl |
    jq -r '[.nftables[] | select(.rule) | .rule.expr[] | select(.counter) | .counter.packets]
           | map(tostring) | join(" ")'
