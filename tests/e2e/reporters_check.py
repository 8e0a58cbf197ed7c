#!/usr/bin/env python3
"""Checks a csv or openmetrics reporter file against the -J document of the
same run (reporters.sh). Prints one line per failed check; exit 0 when all
hold, 1 otherwise.

  reporters_check.py csv FILE JSON ROLE TRANSPORT DIRECTION
  reporters_check.py om FILE JSON ROLE TRANSPORT DIRECTION
  reporters_check.py compare CSV PROM JSON   (a comparison run's files
                                             against its {tests, comparison})
  reporters_check.py sender-facts CSV PROM JSON   (an upload's sender
                                             figures: Retr, cwnd, rtt)
  reporters_check.py om-parse FILE   (OpenMetrics parser of
                                      prometheus_client; exit 77 without it)
"""
import csv
import json
import re
import sys

HEADER = ("time,test,role,peer,transport,direction,kind,stream,start,end,seconds,"
          "bytes,bits_per_second,retransmits,snd_cwnd,rtt_us,jitter_ms,lost_packets,"
          "packets,lost_percent,omitted,cpu_local_percent,cpu_remote_percent,"
          "setup_seconds,error").split(",")

problems = []

# Numbers as the csv reporter writes them: seconds to the microsecond,
# rates in whole bits per second, jitter to the microsecond, percentages
# to 2 (loss 4) decimals.
CSV_FORMATS = {
    "start": r"\d+\.\d{6}", "end": r"\d+\.\d{6}", "seconds": r"\d+\.\d{6}",
    "setup_seconds": r"\d+\.\d{6}", "bytes": r"\d+", "bits_per_second": r"\d+",
    "jitter_ms": r"\d+\.\d{3}", "lost_percent": r"\d+\.\d{4}",
    "cpu_local_percent": r"\d+\.\d{2}", "cpu_remote_percent": r"\d+\.\d{2}",
}


def expect(what, got, want):
    if got != want:
        problems.append(f"{what}: got {got!r}, want {want!r}")


def stream_bytes(end, side, own_side):
    """Sorted per-stream byte counts of one side from the JSON document, or
    None when it has none: TCP streams have sender and receiver; UDP
    streams (iperf3's "udp" layout) only the sender's count, and only on
    the sending end (a receiving end has 0 there, as iperf3)."""
    if all(side in s for s in end["streams"]):
        return sorted(s[side]["bytes"] for s in end["streams"])
    if side == own_side == "sender" and all(s.get("udp", {}).get("sender") for s in end["streams"]):
        return sorted(s["udp"]["bytes"] for s in end["streams"])
    return None


def check_csv_numbers(rows):
    for col, pattern in CSV_FORMATS.items():
        bad = sorted({r[col] for r in rows if r[col] and not re.fullmatch(pattern, r[col])})
        if bad:
            problems.append(f"csv {col}: {bad[:3]} not like {pattern}")


def sockets(doc):
    """The streams' socket numbers in the document's order: the name the
    text output shows as "[  5]" and every reporter uses."""
    return [c["socket"] for c in doc["start"]["connected"]]


def check_csv(path, doc, role, transport, direction):
    with open(path, newline="") as f:
        rows = list(csv.reader(f, strict=True))
    expect("csv header", rows[0] if rows else None, HEADER)
    rows = [dict(zip(HEADER, r)) for r in rows[1:] if len(r) == len(HEADER) or
            problems.append(f"csv row with {len(r)} fields, want {len(HEADER)}: {r}")]
    if not rows:
        problems.append("csv has no rows")
        return
    expect("csv role column", {r["role"] for r in rows}, {role})
    expect("csv transport column", {r["transport"] for r in rows}, {transport})
    expect("csv direction column", {r["direction"] for r in rows}, {direction})
    expect("csv test column", {r["test"] for r in rows}, {"1"})
    expect("csv error column", {r["error"] for r in rows}, {""})
    check_csv_numbers(rows)

    def of(kind):
        return [r for r in rows if r["kind"] == kind]

    intervals = doc["intervals"]
    n_streams = len(doc["start"]["connected"])
    expect("csv interval rows (streams x intervals)", len(of("interval")),
           n_streams * len(intervals))
    expect("csv interval bytes vs JSON intervals[].streams[].bytes",
           [int(r["bytes"]) for r in of("interval")],
           [s["bytes"] for iv in intervals for s in iv["streams"]])
    expect("csv interval-sum bytes vs JSON intervals[].sum.bytes",
           [int(r["bytes"]) for r in of("interval-sum")],
           [iv["sum"]["bytes"] for iv in intervals])
    expect("csv interval stream column vs JSON intervals[].streams[].socket",
           [r["stream"] for r in of("interval")],
           [str(st["socket"]) for iv in intervals for st in iv["streams"]])
    for kind in ("end-sender", "end-receiver"):
        got = [r["stream"] for r in of(kind)]
        if got:
            expect(f"csv {kind} stream column vs JSON start.connected[].socket", sorted(got),
                   sorted(str(x) for x in sockets(doc)))
    expect("csv interval omitted vs JSON",
           [r["omitted"] for r in of("interval")],
           ["1" if s["omitted"] else "0" for iv in intervals for s in iv["streams"]])
    end = doc["end"]
    own_side = "sender" if (role == "client") == (direction == "upload") else "receiver"
    for kind, key in (("end-sender", "sender"), ("end-receiver", "receiver")):
        got = [int(r["bytes"]) for r in of(kind)]
        want = stream_bytes(end, key, own_side)
        if got and want is not None:
            expect(f"csv {kind} bytes vs JSON end.streams[]", sorted(got), want)
    for kind, key in (("end-sender-sum", "sum_sent"), ("end-receiver-sum", "sum_received")):
        got = [int(r["bytes"]) for r in of(kind)]
        if got:
            expect(f"csv {kind} bytes vs JSON end.{key}.bytes", got, [end[key]["bytes"]])
    # Each side has the numbers it measured itself.
    own = "end-sender-sum" if (role == "client") == (direction == "upload") else "end-receiver-sum"
    expect(f"csv has its own {own} row", len(of(own)), 1)
    if role == "client":
        expect("csv client: end-sender-sum and end-receiver-sum rows",
               (len(of("end-sender-sum")), len(of("end-receiver-sum"))), (1, 1))
    # Datagram figures where the test has them (udp; quic says UDP but
    # moves a stream, with TCP's layout).
    if doc["start"]["test_start"]["protocol"] == "UDP" and "lost_packets" in end["sum_received"]:
        for r in of("end-receiver-sum"):
            expect("csv UDP receiver: lost_packets vs JSON", int(r["lost_packets"]),
                   end["sum_received"]["lost_packets"])


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?')


def parse_om(path):
    samples = []
    with open(path) as f:
        lines = f.read().split("\n")
    expect("openmetrics last line", lines[-2:] if len(lines) > 1 else lines, ["# EOF", ""])
    for line in lines:
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if not m:
            problems.append(f"openmetrics: unparsable line {line!r}")
            continue
        samples.append((m.group(1), dict(LABEL.findall(m.group(2) or "")), float(m.group(3))))
    return samples


def check_om(path, doc, role, transport, direction):
    samples = parse_om(path)

    def values(name, **want):
        return [v for n, labels, v in samples if n == name and
                all(labels.get(k) == w for k, w in want.items())]

    expect("weir_test_success", values("weir_test_success", transport=transport), [1.0])
    end = doc["end"]
    labels = {"transport": transport, "direction": direction, "stream": "sum"}
    for side, key in (("sender", "sum_sent"), ("receiver", "sum_received")):
        got = values("weir_transferred_bytes", side=side, **labels)
        if got or end[key]["bytes"]:
            expect(f"weir_transferred_bytes side={side} stream=sum vs JSON end.{key}.bytes",
                   got, [float(end[key]["bytes"])])
    streams = [(labels_["stream"], labels_["side"], v) for n, labels_, v in samples
               if n == "weir_transferred_bytes" and labels_.get("stream") != "sum"]
    own_side = "sender" if (role == "client") == (direction == "upload") else "receiver"
    expect(f"weir_transferred_bytes side={own_side} per stream (this end measured it)",
           len([1 for _, s, _ in streams if s == own_side]), len(end["streams"]))
    for side in ("sender", "receiver"):
        got = sorted(v for _, s, v in streams if s == side)
        want = stream_bytes(end, side, own_side)
        if got and want is not None:
            expect(f"weir_transferred_bytes side={side} per stream vs JSON end.streams[]",
                   got, [float(b) for b in want])
    expect("weir_transferred_bytes stream labels vs JSON start.connected[].socket",
           sorted({s for s, _, _ in streams}), sorted(str(x) for x in sockets(doc)))
    expect("direction labels", {l.get("direction") for n, l, _ in samples
                                if n == "weir_transferred_bytes"}, {direction})


def check_compare(csv_path, prom_path, doc):
    """--transport A,B,... on a client: per-test rows numbered 1, 2, ...,
    one comparison row per transport, one metrics text with each
    transport's series."""
    tests, rows_json = doc["tests"], doc["comparison"]["transports"]
    names = [t["transport"] for t in rows_json]
    with open(csv_path, newline="") as f:
        rows = list(csv.reader(f, strict=True))
    expect("csv header", rows[0] if rows else None, HEADER)
    rows = [dict(zip(HEADER, r)) for r in rows[1:]]
    for i, t in enumerate(tests):
        mine = [r for r in rows if r["test"] == str(i + 1) and r["kind"] == "interval"]
        expect(f"csv test {i + 1}: interval rows (streams x intervals)", len(mine),
               sum(len(iv["streams"]) for iv in t["intervals"]))
        expect(f"csv test {i + 1}: transport", {r["transport"] for r in mine}, {names[i]})
        got = [int(r["bytes"]) for r in rows
               if r["test"] == str(i + 1) and r["kind"] == "end-receiver-sum"]
        expect(f"csv test {i + 1}: end-receiver-sum bytes", got, [t["end"]["sum_received"]["bytes"]])
    check_csv_numbers(rows)
    cmp_rows = [r for r in rows if r["kind"] == "comparison"]
    expect("csv comparison rows: transports", [r["transport"] for r in cmp_rows], names)
    expect("csv comparison rows: tests", [r["test"] for r in cmp_rows],
           [str(i + 1) for i in range(len(names))])
    expect("csv comparison rows: bytes", [int(r["bytes"]) for r in cmp_rows],
           [t["bytes_received"] for t in rows_json])
    expect("csv comparison rows: setup_seconds present",
           all(float(r["setup_seconds"]) >= 0 for r in cmp_rows), True)

    samples = parse_om(prom_path)
    for i, name in enumerate(names):
        got = [v for n, l, v in samples if n == "weir_transferred_bytes" and
               l.get("transport") == name and l.get("stream") == "sum" and l.get("side") == "receiver"]
        expect(f"openmetrics {name}: receiver sum bytes", got,
               [float(tests[i]["end"]["sum_received"]["bytes"])])
        for fam in ("weir_test_success", "weir_setup_seconds"):
            got = [v for n, l, v in samples if n == fam and l.get("transport") == name]
            expect(f"openmetrics {name}: {fam} series", len(got), 1)
        expect(f"openmetrics {name}: success", [v for n, l, v in samples if n == "weir_test_success"
                                                and l.get("transport") == name], [1.0])


def om_parse(path):
    try:
        from prometheus_client.openmetrics.parser import text_string_to_metric_families
    except ImportError:
        sys.exit(77)
    with open(path) as f:
        families = list(text_string_to_metric_families(f.read()))
    if not families:
        problems.append("OpenMetrics parser found no families")


def check_sender_facts(csv_path, prom_path, doc):
    """The sender's figures of a client's upload (Retr, cwnd, smoothed RTT:
    TCP_INFO's for tcp, ngtcp2's for quic) in the csv's interval and
    end-sender rows and in weir_retransmits, as in the JSON document."""
    with open(csv_path, newline="") as f:
        rows = list(csv.DictReader(f))
    ivs = [r for r in rows if r["kind"] == "interval"]
    want = [(str(s["socket"]), str(s["retransmits"]), str(s["snd_cwnd"]), str(s["rtt"]))
            for iv in doc["intervals"] for s in iv["streams"]]
    expect("csv interval rows (stream, retransmits, snd_cwnd, rtt_us) vs JSON intervals[].streams[]",
           [(r["stream"], r["retransmits"], r["snd_cwnd"], r["rtt_us"]) for r in ivs], want)
    if any(not r["snd_cwnd"] or r["snd_cwnd"] == "0" or not r["rtt_us"] for r in ivs):
        problems.append("csv interval rows without a congestion window or an RTT")
    ends = sorted((r["stream"], r["retransmits"], r["snd_cwnd"], r["rtt_us"])
                  for r in rows if r["kind"] == "end-sender")
    want = sorted((str(s["sender"]["socket"]), str(s["sender"]["retransmits"]),
                   str(s["sender"]["max_snd_cwnd"]), str(s["sender"]["mean_rtt"]))
                  for s in doc["end"]["streams"])
    expect("csv end-sender rows (stream, retransmits, snd_cwnd, rtt_us) vs JSON end.streams[].sender",
           ends, want)
    got = [v for n, l, v in parse_om(prom_path)
           if n == "weir_retransmits" and l.get("side") == "sender" and l.get("stream") == "sum"]
    expect("weir_retransmits side=sender stream=sum vs JSON end.sum_sent.retransmits",
           got, [float(doc["end"]["sum_sent"]["retransmits"])])


def main():
    mode = sys.argv[1]
    if mode == "om-parse":
        om_parse(sys.argv[2])
    elif mode == "sender-facts":
        with open(sys.argv[4]) as f:
            check_sender_facts(sys.argv[2], sys.argv[3], json.load(f))
    elif mode == "compare":
        with open(sys.argv[4]) as f:
            check_compare(sys.argv[2], sys.argv[3], json.load(f))
    else:
        with open(sys.argv[3]) as f:
            doc = json.load(f)
        if mode == "csv":
            check_csv(sys.argv[2], doc, *sys.argv[4:7])
        else:
            check_om(sys.argv[2], doc, *sys.argv[4:7])
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # a crash is a failed check, with its reason
        print(f"{type(e).__name__}: {e}")
        sys.exit(1)
