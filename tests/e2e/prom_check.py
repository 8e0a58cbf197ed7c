#!/usr/bin/env python3
"""Prometheus's side of tests/e2e/prometheus.sh.

  prom_check.py config CONTRIB_YML OUT EXPORTER INTERVAL JOB=TARGET,... ...
      contrib/prometheus/prometheus.yml rewritten for the test: its jobs
      and relabelling as they are, with INTERVAL as every scrape interval
      and timeout, EXPORTER (ADDR:PORT) where the scrapes go, each JOB's
      targets replaced (jobs not named are dropped, save weir-exporter),
      and its rule files by absolute paths. Needs python3-yaml.
  prom_check.py wait URL ROUNDS SECONDS INSTANCE...
      until Prometheus at URL has scraped each INSTANCE (a probe target)
      ROUNDS times, or SECONDS have passed; exit 1 then, saying what it saw.
  prom_check.py check URL TCP UDP IPERF3 CLOSED
      the assertions on the four probe targets (instances; IPERF3 "none":
      without one), one line each on stdout: "ok|NAME", "fail|NAME|WHY" or
      "skip|NAME|WHY".
"""
import json
import os
import re
import sys
import time
import urllib.parse
import urllib.request


def query(url, expr):
    """The instant vector EXPR: a list of (labels, float value)."""
    q = urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(f"{url}/api/v1/query?{q}", timeout=10) as r:
        doc = json.load(r)
    if doc.get("status") != "success":
        raise RuntimeError(f"{expr}: {doc}")
    return [(s["metric"], float(s["value"][1])) for s in doc["data"]["result"]]


def by_instance(url, expr):
    out = {}
    for labels, value in query(url, expr):
        out.setdefault(labels.get("instance", ""), []).append((labels, value))
    return out


def config(src, dst, exporter, interval, jobs):
    import yaml
    with open(src, encoding="utf-8") as f:
        conf = yaml.safe_load(f)
    targets = {}
    for j in jobs:
        name, _, t = j.partition("=")
        targets[name] = [x for x in t.split(",") if x]
    base = os.path.dirname(os.path.abspath(src))
    conf["global"] = {"scrape_interval": interval, "scrape_timeout": interval,
                      "evaluation_interval": interval}
    conf["rule_files"] = [os.path.join(base, r) for r in conf.get("rule_files", [])]
    kept = []
    for job in conf["scrape_configs"]:
        name = job["job_name"]
        job["scrape_interval"] = interval
        job["scrape_timeout"] = interval
        if name == "weir-exporter":
            job["static_configs"] = [{"targets": [exporter]}]
        elif name in targets:
            job["static_configs"] = [{"targets": targets.pop(name)}]
            seen = 0
            for rule in job["relabel_configs"]:
                if rule.get("target_label") == "__address__":
                    rule["replacement"] = exporter
                    seen += 1
            if seen != 1:
                print(f"{src}: job {name}: {seen} rules setting __address__, not 1")
                return 1
        else:
            continue
        kept.append(job)
    if targets:
        print(f"{src}: no job {', '.join(targets)}")
        return 1
    conf["scrape_configs"] = kept
    with open(dst, "w", encoding="utf-8") as f:
        yaml.safe_dump(conf, f)
    return 0


def wait(url, rounds, seconds, instances):
    deadline = time.monotonic() + seconds
    seen = {}
    while True:
        try:
            seen = {i: max(v for _, v in s)
                    for i, s in by_instance(url, "count_over_time(up[10m])").items()}
        except OSError as e:
            seen = {"(no answer)": str(e)}
        if all(isinstance(seen.get(i), float) and seen[i] >= rounds for i in instances):
            return 0
        if time.monotonic() > deadline:
            print(f"after {seconds} s, scrapes per instance: {seen}")
            return 1
        time.sleep(0.5)


class Checks:
    def __init__(self):
        self.lines = []

    def ok(self, name, cond, why=""):
        self.lines.append(f"ok|{name}" if cond else f"fail|{name}|{why}")


def check(url, tcp, udp, iperf3, closed):
    c = Checks()
    probes = {"tcp": tcp, "udp": udp, "iperf3": iperf3, "closed": closed}
    if iperf3 == "none":
        del probes["iperf3"]
        c.lines.append("skip|the iperf3 target's checks|iperf3 not installed")
    up = by_instance(url, "up")
    for kind, inst in probes.items():
        v = [x for _, x in up.get(inst, [])]
        c.ok(f"up 1 for the {kind} target ({inst}): the exporter answered",
             v == [1.0], f"up {v}")
    exp = [x for lab, x in query(url, 'up{job="weir-exporter"}')]
    c.ok("up 1 for the exporter's own /metrics", exp == [1.0], f"up {exp}")
    own = query(url, 'count({job="weir-exporter", __name__=~"weir_exporter_.+"})')
    c.ok("the exporter's own weir_exporter_* series", own and own[0][1] > 0, f"{own}")

    success = by_instance(url, "weir_probe_success")
    want = {"tcp": 1.0, "udp": 1.0, "iperf3": 1.0, "closed": 0.0}
    for kind, inst in probes.items():
        v = [x for _, x in success.get(inst, [])]
        c.ok(f"weir_probe_success {want[kind]:g} for the {kind} target", v == [want[kind]],
             f"weir_probe_success {v}")
    rounds = by_instance(url, "count_over_time(weir_probe_success[10m])")
    for kind, inst in probes.items():
        v = [x for _, x in rounds.get(inst, [])]
        c.ok(f"weir_probe_success from 2 scrapes or more of the {kind} target",
             len(v) == 1 and v[0] >= 2, f"samples {v}")
    duration = by_instance(url, "weir_probe_duration_seconds")
    for kind, inst in probes.items():
        v = [x for _, x in duration.get(inst, [])]
        c.ok(f"weir_probe_duration_seconds > 0 for the {kind} target",
             len(v) == 1 and v[0] > 0, f"{v}")

    rate = by_instance(url, 'weir_throughput_bytes_per_second{stream="sum", side="receiver"}')
    for kind in [k for k in ("tcp", "udp", "iperf3") if k in probes]:
        s = rate.get(probes[kind], [])
        c.ok(f"weir_throughput_bytes_per_second > 0 for the {kind} target (receiver, sum)",
             len(s) == 1 and s[0][1] > 0, f"{s}")
    c.ok("no throughput for the closed target", closed not in rate, f"{rate.get(closed)}")
    for kind, transport in [x for x in (("tcp", "tcp"), ("udp", "udp"), ("iperf3", "tcp"))
                            if x[0] in probes]:
        s = rate.get(probes[kind], [])
        got = s[0][0].get("transport") if len(s) == 1 else None
        c.ok(f"transport=\"{transport}\" on the {kind} target's series", got == transport,
             f"transport {got}")

    retr = by_instance(url, 'weir_retransmits{stream="sum", side="sender"}')
    for kind in [k for k in ("tcp", "iperf3") if k in probes]:
        s = retr.get(probes[kind], [])
        c.ok(f"weir_retransmits for the {kind} target (sender, sum)",
             len(s) == 1 and s[0][1] >= 0, f"{s}")
    c.ok("no weir_retransmits for the udp target", udp not in retr, f"{retr.get(udp)}")
    for name, lo, hi in (("weir_loss_ratio", 0, 1), ("weir_jitter_seconds", 0, 10),
                         ("weir_lost_packets", 0, 1e12)):
        s = by_instance(url, f'{name}{{stream="sum", side="receiver"}}')
        u = s.get(udp, [])
        c.ok(f"{name} for the udp target, in [{lo:g}, {hi:g}]",
             len(u) == 1 and lo <= u[0][1] <= hi, f"{u}")
        c.ok(f"no {name} for the tcp target", tcp not in s, f"{s.get(tcp)}")
    pkts = by_instance(url, 'weir_packets{stream="sum", side="receiver"}').get(udp, [])
    c.ok("weir_packets > 0 for the udp target (receiver, sum)",
         len(pkts) == 1 and pkts[0][1] > 0, f"{pkts}")

    # contrib's alert rules, loaded by the generated config, evaluate.
    with urllib.request.urlopen(f"{url}/api/v1/rules", timeout=10) as r:
        groups = json.load(r)["data"]["groups"]
    rules = [(g["name"], x["name"], x.get("health"), x.get("lastError", ""))
             for g in groups for x in g["rules"]]
    bad = [r for r in rules if r[2] != "ok"]
    c.ok(f"contrib's alert rules loaded and evaluated without error ({len(rules)} rules)",
         rules and not bad, f"{bad or 'no rules'}")
    # ... and ask for series the exporter really has: a renamed metric
    # would leave a rule that never fires.
    names = {n for g in groups for x in g["rules"]
             for n in re.findall(r"\b(weir_[a-z_]+)", x.get("query", ""))}
    with urllib.request.urlopen(f"{url}/api/v1/label/__name__/values", timeout=10) as r:
        known = set(json.load(r)["data"])
    missing = sorted(n for n in names if n not in known)
    c.ok(f"every metric contrib's alert rules name was scraped ({len(names)} names)",
         names and not missing, f"never scraped: {missing}")
    return c.lines


def main(argv):
    if len(argv) >= 6 and argv[1] == "config":
        return config(argv[2], argv[3], argv[4], argv[5], argv[6:])
    if len(argv) >= 5 and argv[1] == "wait":
        return wait(argv[2], int(argv[3]), float(argv[4]), argv[5:])
    if len(argv) == 7 and argv[1] == "check":
        try:
            lines = check(*argv[2:])
        except (OSError, RuntimeError, KeyError, ValueError) as e:
            lines = [f"fail|querying Prometheus|{e}"]
        print("\n".join(lines))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
