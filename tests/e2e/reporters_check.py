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
  reporters_check.py transport-facts CSV PROM JSON TRANSPORT   (the
                                     streams' facts: csv facts and
                                     interval-facts rows, weir_stream_info
                                     and weir_stream_* gauges against -J's
                                     start.weir.streams[] and
                                     intervals[].streams[].weir; quic's
                                     plausible: cubic, cipher, handshake)
  reporters_check.py om-parse FILE   (OpenMetrics parser of
                                      prometheus_client; exit 77 without it)
  reporters_check.py latency CSV PROM JSON   (--latency: the csv probe rows
                                     and the openmetrics latency series
                                     against the -J document's latency objects)
  reporters_check.py latency-compare CSV PROM JSON   (a --latency comparison
                                     run: its rows against each test's end)
  reporters_check.py working CSV PROM JSON   (--latency --load: the csv
                                     working-* rows and the openmetrics
                                     phase series, increase, RPM and load
                                     rate against -J's end.latency.working)
  reporters_check.py working-compare CSV PROM JSON TEXT   (a --latency
                                     --load comparison run: each row's
                                     working latency against its own test's,
                                     in JSON, csv, openmetrics and the text
                                     table, which must be in line)
"""
import csv
import json
import re
import sys

HEADER = ("time,test,role,peer,transport,direction,kind,stream,start,end,seconds,"
          "bytes,bits_per_second,retransmits,snd_cwnd,rtt_us,jitter_ms,lost_packets,"
          "packets,lost_percent,omitted,cpu_local_percent,cpu_remote_percent,"
          "setup_seconds,error,latency_sent,latency_count,latency_lost,latency_missed,"
          "latency_min_us,latency_mean_us,latency_p50_us,latency_p90_us,latency_p99_us,"
          "latency_p99_9_us,latency_max_us,latency_stddev_us,latency_increase_p50_us,"
          "latency_increase_mean_us,responsiveness_rpm,load_streams,fact_key,fact_value").split(",")

problems = []

# Numbers as the csv reporter writes them: seconds to the microsecond,
# rates in whole bits per second, jitter to the microsecond, percentages
# to 2 (loss 4) decimals.
CSV_FORMATS = {
    "start": r"\d+\.\d{6}", "end": r"\d+\.\d{6}", "seconds": r"\d+\.\d{6}",
    "setup_seconds": r"\d+\.\d{6}", "bytes": r"\d+", "bits_per_second": r"\d+",
    "jitter_ms": r"\d+\.\d{3}", "lost_percent": r"\d+\.\d{4}",
    "cpu_local_percent": r"\d+\.\d{2}", "cpu_remote_percent": r"\d+\.\d{2}",
    **{f"latency_{k}_us": r"\d+\.\d{3}"
       for k in ("min", "mean", "p50", "p90", "p99", "p99_9", "max", "stddev")},
    "latency_increase_p50_us": r"-?\d+\.\d{3}", "latency_increase_mean_us": r"-?\d+\.\d{3}",
    "responsiveness_rpm": r"\d+", "load_streams": r"\d+",
}
# csv latency columns and the -J keys they carry.
LATENCY_KEYS = {"min_us": "latency_min_us", "mean_us": "latency_mean_us", "p50_us": "latency_p50_us",
                "p90_us": "latency_p90_us", "p99_us": "latency_p99_us", "p99_9_us": "latency_p99_9_us",
                "max_us": "latency_max_us", "stddev_us": "latency_stddev_us"}


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


def read_csv(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f, strict=True))
    expect("csv header", rows[0] if rows else None, HEADER)
    problems.extend(f"csv row with {len(r)} fields, want {len(HEADER)}: {r}"
                    for r in rows[1:] if len(r) != len(HEADER))
    rows = [dict(zip(HEADER, r)) for r in rows[1:]]
    check_csv_numbers(rows)
    return rows


def same_delays(what, row, d):
    """A csv row's latency columns against one -J delay object."""
    expect(f"{what}: latency_count", int(row["latency_count"]), d["count"])
    for key, col in LATENCY_KEYS.items():
        if d["count"] and abs(float(row[col]) - d[key]) > 0.0005 + 1e-9 * d[key]:
            problems.append(f"{what}: {col} {row[col]} vs JSON {key} {d[key]}")


def same_counts(what, row, obj):
    for key in ("sent", "lost", "missed"):
        expect(f"{what}: latency_{key}", int(row[f"latency_{key}"]), obj[key])


WAYS = (("round-trip", "rtt"), ("upload", "forward"), ("download", "reverse"))


def check_latency_csv(rows, doc):
    """Per interval and at the end, per probe stream and summed, each delay
    measured: one row, the same numbers as -J's latency objects."""
    spans = [(iv["latency"], "latency") for iv in doc["intervals"]] + [(doc["end"]["latency"], "end-latency")]
    lat = [r for r in rows if "latency" in r["kind"]]
    want_rows = 0
    for block, kind in spans:
        for obj, k in [(s, kind) for s in block["streams"]] + [(block["sum"], kind + "-sum")]:
            for way, key in WAYS:
                if key not in obj:
                    continue
                want_rows += 1
                stream = str(obj.get("socket", ""))
                mine = [r for r in lat if r["kind"] == k and r["direction"] == way and r["stream"] == stream
                        and abs(float(r["start"]) - obj["start"]) < 1e-6]
                what = f"csv {k} {way} stream {stream or 'sum'} at {obj['start']}"
                if len(mine) != 1:
                    problems.append(f"{what}: {len(mine)} rows, want 1")
                    continue
                same_delays(what, mine[0], obj[key])
                if way == "round-trip":
                    same_counts(what, mine[0], obj)
    expect("csv latency rows", len(lat), want_rows)


def check_latency_om(path, doc):
    """The sum's histogram (cumulative, +Inf = _count = -J's count, _sum
    near count x mean) and the gauges against -J's end.latency."""
    samples = parse_om(path)
    end = doc["end"]["latency"]

    def values(name, **want):
        return [v for n, labels, v in samples if n == name and "phase" not in labels and
                all(labels.get(k) == w for k, w in want.items())]

    for way, key in (("round_trip", "rtt"), ("client_to_server", "forward"), ("server_to_client", "reverse")):
        if key not in end["sum"]:
            expect(f"openmetrics {way}: no series without -J's {key}",
                   values("weir_latency_seconds_count", delay=way), [])
            continue
        d = end["sum"][key]
        buckets = [(l["le"], v) for n, l, v in samples
                   if n == "weir_latency_seconds_bucket" and l.get("delay") == way and "phase" not in l]
        expect(f"openmetrics {way}: buckets (47 bounds and +Inf)", len(buckets), 48)
        counts = [v for _, v in buckets]
        expect(f"openmetrics {way}: cumulative buckets", counts, sorted(counts))
        expect(f"openmetrics {way}: +Inf bucket", buckets[-1:], [("+Inf", float(d["count"]))])
        expect(f"openmetrics {way}: _count", values("weir_latency_seconds_count", delay=way), [float(d["count"])])
        total = values("weir_latency_seconds_sum", delay=way)
        if len(total) != 1 or abs(total[0] - d["count"] * d["mean_us"] / 1e6) > 1e-6 * max(1, total[0]):
            problems.append(f"openmetrics {way}: _sum {total} vs count x mean {d['count'] * d['mean_us'] / 1e6}")
        p50 = [v for v in buckets if float(v[0]) >= d["p50_us"] / 1e6 * 1.01]
        if p50 and p50[0][1] < d["count"] / 2:
            problems.append(f"openmetrics {way}: bucket le={p50[0][0]} holds {p50[0][1]}, below half "
                            f"of {d['count']} though p50 is {d['p50_us']} us")
        for stream, obj in [(str(s["socket"]), s) for s in end["streams"]] + [("sum", end["sum"])]:
            for pct, k in (("50", "p50_us"), ("90", "p90_us"), ("99", "p99_us"), ("99.9", "p99_9_us")):
                got = values("weir_latency_percentile_seconds", delay=way, stream=stream, percentile=pct)
                if len(got) != 1 or abs(got[0] - obj[key][k] / 1e6) > 1e-12:
                    problems.append(f"openmetrics {way} stream {stream} p{pct}: {got} vs JSON {obj[key][k]} us")
    for stream, obj in [(str(s["socket"]), s) for s in end["streams"]] + [("sum", end["sum"])]:
        expect(f"openmetrics probes sent, stream {stream}", values("weir_latency_probes_sent", stream=stream),
               [float(obj["sent"])])
        expect(f"openmetrics probes lost, stream {stream}", values("weir_latency_probes_lost", stream=stream),
               [float(obj["lost"])])


def om_histogram(what, samples, count, mean_us, **want):
    """One histogram series of weir_latency_seconds (its labels: want):
    47 bounds and +Inf, cumulative, +Inf = _count = count, _sum near
    count x mean."""
    def mine(name):
        return [(l, v) for n, l, v in samples if n == name and
                all(l.get(k) == w for k, w in want.items())]
    buckets = [(l["le"], v) for l, v in mine("weir_latency_seconds_bucket")]
    expect(f"{what}: buckets (47 bounds and +Inf)", len(buckets), 48)
    counts = [v for _, v in buckets]
    expect(f"{what}: cumulative buckets", counts, sorted(counts))
    expect(f"{what}: +Inf bucket", buckets[-1:], [("+Inf", float(count))])
    expect(f"{what}: _count", [v for _, v in mine("weir_latency_seconds_count")], [float(count)])
    total = [v for _, v in mine("weir_latency_seconds_sum")]
    if len(total) != 1 or abs(total[0] - count * mean_us / 1e6) > 1e-6 * max(1, total[0]):
        problems.append(f"{what}: _sum {total} vs count x mean {count * mean_us / 1e6}")


def near(what, got, want, tolerance):
    if len(got) != 1 or abs(got[0] - want) > tolerance:
        problems.append(f"{what}: {got} vs JSON {want}")


def check_working(csv_path, prom_path, doc):
    """--load's summary (-J end.latency.working) in the csv working-* rows
    and the openmetrics phase="idle"/"loaded" series and gauges."""
    w = doc["end"]["latency"]["working"]
    test_end = doc["end"]["latency"]["sum"]["end"]
    ways = {"up": ["upload"], "down": ["download"], "both": ["upload", "download"]}[w["load_direction"]]
    rate = {"upload": w["load_up_bits_per_second"], "download": w["load_down_bits_per_second"]}

    inband = w.get("inband")
    rows = [r for r in read_csv(csv_path) if r["kind"].startswith("working-")]
    expect("csv working rows (kinds)", [r["kind"] for r in rows],
           ["working-idle", "working-loaded"] + (["working-inband"] if inband else []) +
           ["working-load"] * len(ways))
    for r in rows:
        expect(f"csv {r['kind']}: load_streams", r["load_streams"], str(w["load_streams"]))
    phases = {r["kind"]: r for r in rows}
    for phase in ("idle", "loaded"):
        r = phases.get(f"working-{phase}")
        if r is None:
            continue
        expect(f"csv working-{phase}: direction", r["direction"], "round-trip")
        same_delays(f"csv working-{phase}", r, w[phase])
    idle, loaded = phases.get("working-idle"), phases.get("working-loaded")
    if idle and loaded:
        expect("csv working-idle: span", (float(idle["start"]), float(idle["end"])), (0.0, float(w["idle_seconds"])))
        expect("csv working-loaded: start", float(loaded["start"]), float(w["idle_seconds"]))
        if abs(float(loaded["end"]) - test_end) > 1e-6:
            problems.append(f"csv working-loaded: end {loaded['end']} vs JSON end.latency.sum.end {test_end}")
        for col, key in (("latency_increase_p50_us", "increase_p50_us"),
                         ("latency_increase_mean_us", "increase_mean_us")):
            if abs(float(loaded[col]) - w[key]) > 0.0005 + 1e-9 * abs(w[key]):
                problems.append(f"csv working-loaded: {col} {loaded[col]} vs JSON {key} {w[key]}")
        expect("csv working-loaded: responsiveness_rpm", loaded["responsiveness_rpm"], f"{w['rpm']:.0f}")
    for r in rows:
        if r["kind"] in ("working-inband", "working-load"):
            expect(f"csv {r['kind']}: transport (the load's)", r["transport"], w["load_transport"])
    if inband:
        r = phases.get("working-inband")
        if r is not None:
            same_delays("csv working-inband", r, inband)
    loads = [r for r in rows if r["kind"] == "working-load"]
    expect("csv working-load: directions", [r["direction"] for r in loads], ways)
    for r in loads:
        expect(f"csv working-load {r['direction']}: bits_per_second", r["bits_per_second"],
               f"{rate[r['direction']]:.0f}")

    samples = parse_om(prom_path)
    for phase in ("idle", "loaded"):
        d = w[phase]
        want = {"stream": "sum", "delay": "round_trip", "phase": phase}
        om_histogram(f"openmetrics phase={phase}", samples, d["count"], d["mean_us"], **want)
        for pct, k in (("50", "p50_us"), ("90", "p90_us"), ("99", "p99_us")):
            got = [v for n, l, v in samples if n == "weir_latency_percentile_seconds" and l.get("phase") == phase
                   and l.get("percentile") == pct]
            near(f"openmetrics phase={phase} p{pct}", got, d[k] / 1e6, 1e-12)
        near(f"openmetrics phase={phase} mean",
             [v for n, l, v in samples if n == "weir_latency_mean_seconds" and l.get("phase") == phase],
             d["mean_us"] / 1e6, 1e-12)

    def gauge(name, **want):
        return [v for n, l, v in samples if n == name and all(l.get(k) == x for k, x in want.items())]

    near("openmetrics weir_latency_increase_percentile_seconds p50",
         gauge("weir_latency_increase_percentile_seconds", percentile="50"), w["increase_p50_us"] / 1e6, 1e-12)
    near("openmetrics weir_latency_increase_mean_seconds", gauge("weir_latency_increase_mean_seconds"),
         w["increase_mean_us"] / 1e6, 1e-12)
    near("openmetrics weir_responsiveness_rpm", gauge("weir_responsiveness_rpm"), w["rpm"], 1e-9 * w["rpm"])
    expect("openmetrics weir_load_throughput_bytes_per_second load_transport",
           [l.get("load_transport") for n, l, _ in samples if n == "weir_load_throughput_bytes_per_second"],
           [w["load_transport"]] * len(ways))
    srtt = [(l.get("percentile"), v) for n, l, v in samples if n == "weir_load_srtt_percentile_seconds"]
    if inband:
        for pct, k in (("50", "p50_us"), ("90", "p90_us"), ("99", "p99_us")):
            near(f"openmetrics weir_load_srtt_percentile_seconds p{pct}",
                 [v for p, v in srtt if p == pct], inband[k] / 1e6, 1e-12)
        near("openmetrics weir_load_srtt_max_seconds", gauge("weir_load_srtt_max_seconds"), inband["max_us"] / 1e6, 1e-12)
    else:
        expect("openmetrics weir_load_srtt_percentile_seconds without in-band samples", srtt, [])
    expect("openmetrics weir_load_throughput_bytes_per_second directions",
           sorted(l.get("direction") for n, l, _ in samples if n == "weir_load_throughput_bytes_per_second"),
           sorted(ways))
    for way in ways:
        near(f"openmetrics weir_load_throughput_bytes_per_second {way}",
             gauge("weir_load_throughput_bytes_per_second", direction=way), rate[way] / 8, 1e-9 * rate[way])


def check_latency_compare(csv_path, prom_path, doc):
    """Each comparison row's latency is its test's end.latency.sum: in the
    JSON rows, the csv comparison rows and the openmetrics series."""
    tests, rows_json = doc["tests"], doc["comparison"]["transports"]
    rows = [r for r in read_csv(csv_path) if r["kind"] == "comparison"]
    expect("csv comparison rows", [r["transport"] for r in rows], [t["transport"] for t in rows_json])
    samples = parse_om(prom_path)
    for i, (t, row) in enumerate(zip(tests, rows_json)):
        name = row["transport"]
        want = t["end"]["latency"]["sum"]
        expect(f"JSON comparison {name}: latency", row.get("latency"), want)
        if i < len(rows):
            same_delays(f"csv comparison {name}", rows[i], want["rtt"])
            same_counts(f"csv comparison {name}", rows[i], want)
        got = [v for n, l, v in samples if n == "weir_latency_seconds_count" and l.get("transport") == name
               and l.get("delay") == "round_trip"]
        expect(f"openmetrics {name}: round trips counted", got, [float(want["rtt"]["count"])])


def text_delay(us):
    """A delay as the comparison table writes it (usec, fewer decimals from
    100 ms on)."""
    decimals = 2 if abs(us) < 99999.995 else 1 if abs(us) < 999999.95 else 0
    return f"{us:.{decimals}f}"


RATE_UNITS = {"bits/sec": 1, "Kbits/sec": 1e3, "Mbits/sec": 1e6, "Gbits/sec": 1e9, "Tbits/sec": 1e12}


def check_working_text(path, tests, rows_json):
    """The comparison table: the working columns' header, every line of the
    table as long as the header (right-aligned cells in line), each row's
    Idle p50, Loaded p50, Increase, RPM and Load as its test's -J figures,
    a failed row's reason, the line naming the load."""
    with open(path) as f:
        lines = f.read().split("\n")
    heads = [i for i, l in enumerate(lines) if l.startswith("Transport  Protocol ")]
    if len(heads) != 1:
        problems.append(f"text: {len(heads)} comparison tables")
        return
    h = heads[0]
    head = lines[h]
    if not head.endswith("RTT p50    RTT p99   Lost   Idle p50 Loaded p50   Increase      RPM             Load"):
        problems.append(f"text: comparison header without the working columns: {head!r}")
    table = lines[h + 1:h + 2 + len(rows_json)]
    for i, (t, row) in enumerate(zip(tests, rows_json)):
        line = table[i + 1] if i + 1 < len(table) else ""
        name = row["transport"]
        if not line.startswith(f"{name} "):
            problems.append(f"text row {i + 1}: want {name}'s, got {line!r}")
            continue
        if "error" in row:
            if "failed: " + row["error"] not in line:
                problems.append(f"text {name}: no 'failed: {row['error']}' in {line!r}")
            continue
        if len(line) != len(head):
            problems.append(f"text {name}: the row is {len(line)} wide, the header {len(head)}: not in line")
        w = t["end"]["latency"]["working"]
        cells = line.split()
        got = cells[-6:-2]
        want = [text_delay(w["idle"]["p50_us"]) if w["idle"]["count"] else "-",
                text_delay(w["loaded"]["p50_us"]) if w["loaded"]["count"] else "-",
                (("+" if w["increase_p50_us"] >= 0 else "") + text_delay(w["increase_p50_us"]))
                if w["increase_p50_us"] is not None else "-",
                f"{w['rpm']:.0f}" if w["rpm"] is not None else "-"]
        expect(f"text {name}: Idle p50, Loaded p50, Increase, RPM", got, want)
        rate = {"up": w["load_up_bits_per_second"], "down": w["load_down_bits_per_second"],
                "both": w["load_up_bits_per_second"] + w["load_down_bits_per_second"]}[w["load_direction"]]
        try:
            shown = float(cells[-2]) * RATE_UNITS[cells[-1]]
        except (ValueError, KeyError):
            problems.append(f"text {name}: no load rate at the row's end: {line!r}")
            continue
        # Three significant digits, as iperf3's columns.
        if abs(shown - rate) > 0.006 * rate + 1:
            problems.append(f"text {name}: Load {cells[-2]} {cells[-1]} vs JSON {rate} bits/s")
    if len(lines[h + 1]) != len(head):
        problems.append(f"text: the header's second line is {len(lines[h + 1])} wide, the first {len(head)}")
    if not any(l.startswith("Working latency: ") and "load stream" in l for l in lines[h:]):
        problems.append("text: no 'Working latency: ...' line under the comparison table")


def check_working_compare(csv_path, prom_path, doc, text_path):
    """--latency --load over a transport list: each comparison row's working
    latency is its own test's, in JSON (the same object), csv (the test's
    working-* rows again, as comparison-working-*) and openmetrics (each
    test's series with its transport label); a failed row has none."""
    tests, rows_json = doc["tests"], doc["comparison"]["transports"]
    expect("JSON: a test document per row", len(tests), len(rows_json))
    tests_by_row = [None if "error" in row else t for t, row in zip(tests, rows_json)]
    rows = read_csv(csv_path)
    samples = parse_om(prom_path)
    cmp_rows = [r for r in rows if r["kind"] == "comparison"]
    expect("csv comparison rows", [r["transport"] for r in cmp_rows], [row["transport"] for row in rows_json])
    for i, (t, row) in enumerate(zip(tests_by_row, rows_json)):
        name = row["transport"]
        if t is None:
            expect(f"JSON comparison {name} (failed): no working", "working" in row, False)
            if i < len(cmp_rows):
                number = cmp_rows[i]["test"]
                expect(f"csv {name} (failed): no comparison-working rows",
                       [r["kind"] for r in rows if r["test"] == number and r["kind"].startswith("comparison-working-")],
                       [])
            continue
        w = t["end"]["latency"]["working"]
        expect(f"JSON comparison {name}: working is its test's end.latency.working", row.get("working"), w)
        expect(f"JSON comparison {name}: latency is its test's end.latency.sum", row.get("latency"),
               t["end"]["latency"]["sum"])
        expect(f"JSON {name}: the test's transport", t["start"]["weir"]["transport"], name)
        if i >= len(cmp_rows):
            continue
        number = cmp_rows[i]["test"]
        skip = ("time", "kind")
        own = [{k: v for k, v in r.items() if k not in skip} | {"kind": r["kind"]}
               for r in rows if r["test"] == number and r["kind"].startswith("working-")]
        again = [{k: v for k, v in r.items() if k not in skip} | {"kind": r["kind"][len("comparison-"):]}
                 for r in rows if r["test"] == number and r["kind"].startswith("comparison-working-")]
        if not own:
            problems.append(f"csv {name}: no working-* rows of test {number}")
        expect(f"csv {name}: comparison-working-* kinds vs test {number}'s working-*",
               [r["kind"] for r in again], [r["kind"] for r in own])
        for a, o in zip(again, own):
            diff = {k: (a[k], o[k]) for k in o if a[k] != o[k]}
            if diff:
                problems.append(f"csv {name} comparison-{o['kind']} vs test {number}'s (got, want): {diff}")
        loaded = [r for r in again if r["kind"] == "working-loaded"]
        if loaded:
            same_delays(f"csv comparison-working-loaded {name}", loaded[0], w["loaded"])
        for r in again:
            want = w["load_transport"] if r["kind"] in ("working-inband", "working-load") else name
            expect(f"csv {r['kind']} {name}: transport", r["transport"], want)

        def gauge(metric, **want):
            return [v for n, l, v in samples if n == metric and l.get("transport") == name and
                    all(l.get(k) == x for k, x in want.items())]

        near(f"openmetrics {name}: weir_responsiveness_rpm", gauge("weir_responsiveness_rpm"), w["rpm"],
             1e-9 * w["rpm"])
        near(f"openmetrics {name}: loaded p50", gauge("weir_latency_percentile_seconds", phase="loaded",
                                                       percentile="50", delay="round_trip"),
             w["loaded"]["p50_us"] / 1e6, 1e-12)
        expect(f"openmetrics {name}: load_transport of the load rate",
               [l.get("load_transport") for n, l, _ in samples
                if n == "weir_load_throughput_bytes_per_second" and l.get("transport") == name],
               [w["load_transport"]])
    check_working_text(text_path, tests_by_row, rows_json)


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


def flatten(obj, prefix=""):
    """A facts object of -J as (dotted key, value) pairs, in order."""
    out = []
    for k, v in obj.items():
        if isinstance(v, dict):
            out += flatten(v, prefix + k + ".")
        else:
            out.append((prefix + k, v))
    return out


def same_fact(got, want):
    """csv's text of a fact against -J's value."""
    if isinstance(want, bool):
        return got == ("yes" if want else "no")
    if isinstance(want, (int, float)):
        try:
            return abs(float(got) - want) <= 1e-9 * max(1.0, abs(want))
        except ValueError:
            return False
    return got == want


OLDER_UNITS = {"cwnd": ("cwnd_bytes", 1), "max_udp_payload": ("max_udp_payload_bytes", 1),
               "notsent_lowat": ("notsent_lowat_bytes", 1), "bytes_in_flight": ("in_flight_bytes", 1),
               "max_pacing_rate": ("max_pacing_rate_bytes_per_second", 8)}
SUFFIX_UNITS = {"_ms": ("_seconds", 1e3), "_us": ("_seconds", 1e6), "_ns": ("_seconds", 1e9),
                "_bytes": ("_bytes", 1)}


def metric_of(key):
    """weir(1)'s rule: a numeric fact's series name, divisor and index."""
    parts = key.split(".")
    index = ".".join(p for p in parts if p.isdigit())
    named = [p for p in parts if not p.isdigit()]
    last = named[-1]
    divisor = 1
    if last in OLDER_UNITS:
        last, divisor = OLDER_UNITS[last]
    else:
        for suffix, (base, d) in SUFFIX_UNITS.items():
            if last.endswith(suffix):
                last, divisor = last[: -len(suffix)] + base, d
                break
    name = "_".join(named[:-1] + [last])
    for reserved in ("_count", "_sum", "_bucket", "_total", "_created", "_info"):
        if name.endswith(reserved):
            name = name[: -len(reserved)]
    return "weir_stream_" + name, divisor, index


def check_transport_facts(csv_path, prom_path, doc, transport):
    rows = read_csv(csv_path)
    socks = [str(c["socket"]) for c in doc["start"]["connected"]]
    described = doc["start"].get("weir", {}).get("streams", [])
    if not described:
        problems.append("JSON: no start.weir.streams to compare with")
        return
    start = {}
    for sock, st in zip(socks, described):
        start[sock] = [(k, v) for k, v in flatten(st) if k != "id"]
    # -J nests dotted keys into objects: the same facts, in another order.
    got = sorted((r["stream"], r["fact_key"]) for r in rows if r["kind"] == "facts")
    want = sorted((sock, k) for sock in socks for k, _ in start.get(sock, []))
    expect("csv facts rows (stream, fact_key) vs JSON start.weir.streams[]", got, want)
    for r in rows:
        if r["kind"] == "facts":
            v = dict(start.get(r["stream"], [])).get(r["fact_key"])
            if not same_fact(r["fact_value"], v):
                problems.append(f"csv facts {r['stream']} {r['fact_key']}: {r['fact_value']!r}, JSON {v!r}")
    got = sorted((r["stream"], r["end"], r["fact_key"]) for r in rows if r["kind"] == "interval-facts")
    want = sorted((str(s["socket"]), f"{s['end']:.6f}", k)
                  for iv in doc["intervals"] for s in iv["streams"] for k, _ in flatten(s.get("weir", {})))
    expect("csv interval-facts rows (stream, end, fact_key) vs JSON intervals[].streams[].weir", got, want)
    values = {(str(s["socket"]), f"{s['end']:.6f}", k): v
              for iv in doc["intervals"] for s in iv["streams"] for k, v in flatten(s.get("weir", {}))}
    for r in rows:
        if r["kind"] == "interval-facts":
            v = values.get((r["stream"], r["end"], r["fact_key"]))
            if not same_fact(r["fact_value"], v):
                problems.append(f"csv interval-facts {r['stream']} {r['end']} {r['fact_key']}: "
                                f"{r['fact_value']!r}, JSON {v!r}")
    # openmetrics: the start facts, the last interval's over them.
    series = parse_om(prom_path)
    last = {str(s["socket"]): flatten(s.get("weir", {})) for s in doc["intervals"][-1]["streams"]} \
        if doc["intervals"] else {}
    for sock in socks:
        facts = dict(start.get(sock, []))
        facts.update(dict(last.get(sock, [])))
        info = [l for n, l, v in series if n == "weir_stream_info" and l.get("stream") == sock]
        texts = {k.replace(".", "_"): ("yes" if v else "no") if isinstance(v, bool) else v
                 for k, v in facts.items() if isinstance(v, (bool, str))}
        if texts:
            expect(f"weir_stream_info series of stream {sock}", len(info), 1)
            for k, v in texts.items():
                if info and info[0].get(k) != v:
                    problems.append(f"weir_stream_info stream {sock}: {k}={info[0].get(k)!r}, JSON {v!r}")
        for k, v in facts.items():
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                continue
            name, divisor, index = metric_of(k)
            got = [val for n, l, val in series
                   if n == name and l.get("stream") == sock and l.get("index", "") == index]
            if len(got) != 1 or abs(got[0] - v / divisor) > 1e-9 * max(1.0, abs(v / divisor)):
                problems.append(f"{name} stream {sock}: {got}, JSON {k} {v} / {divisor}")
        if transport == "quic":
            if facts.get("quic.congestion") != "cubic":
                problems.append(f"quic stream {sock}: congestion {facts.get('quic.congestion')!r}, not cubic")
            if not facts.get("tls.cipher"):
                problems.append(f"quic stream {sock}: no cipher")
            hs = [v for n, l, v in series if n == "weir_stream_quic_handshake_seconds" and l.get("stream") == sock]
            if not hs or not 0 < hs[0] < 10:
                problems.append(f"quic stream {sock}: handshake seconds {hs}")
            sent = [v for n, l, v in series if n == "weir_stream_quic_packets_sent" and l.get("stream") == sock]
            if not sent or sent[0] <= 0:
                problems.append(f"quic stream {sock}: packets sent {sent}")


def main():
    mode = sys.argv[1]
    if mode == "om-parse":
        om_parse(sys.argv[2])
    elif mode == "transport-facts":
        with open(sys.argv[4]) as f:
            check_transport_facts(sys.argv[2], sys.argv[3], json.load(f), sys.argv[5])
    elif mode == "sender-facts":
        with open(sys.argv[4]) as f:
            check_sender_facts(sys.argv[2], sys.argv[3], json.load(f))
    elif mode == "working-compare":
        with open(sys.argv[4]) as f:
            check_working_compare(sys.argv[2], sys.argv[3], json.load(f), sys.argv[5])
    elif mode in ("latency", "latency-compare", "working"):
        with open(sys.argv[4]) as f:
            doc = json.load(f)
        if mode == "working":
            check_working(sys.argv[2], sys.argv[3], doc)
        elif mode == "latency":
            check_latency_csv(read_csv(sys.argv[2]), doc)
            check_latency_om(sys.argv[3], doc)
        else:
            check_latency_compare(sys.argv[2], sys.argv[3], doc)
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
