#!/usr/bin/env python3
"""Helpers of bench/run.sh (`make bench`); not meant to be run by hand.

  tools.py measure OUT LABEL CMD...     runs CMD, writes {"seconds", "peak_kib"
                                        (VmHWM), "rc"} to OUT, prints progress
                                        every 10 s (see measure())
  tools.py rebuild-once URL TOKEN PID   starts a rebuild of the timeline
                                        projection, waits until it is live
                                        again, prints the outcome as JSON
  tools.py rebuild-keep URL TOKEN SECS  keeps a rebuild running for SECS
                                        seconds (starts another when one ends)
  tools.py wrk                          parses wrk's output (stdin) to JSON
  tools.py report FIGURES RESULTS PLOT  prints the table; writes RESULTS
                                        (generated part only) when not empty
"""
import datetime
import json
import os
import platform
import re
import resource
import subprocess
import sys
import time
import urllib.request

# --- process measurement -------------------------------------------------


def proc_status(pid, key):
    """A /proc/PID/status field in KiB (VmRSS, VmHWM), 0 when gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure(out, label, cmd):
    # LABEL "": no progress lines; "NAME@notty": only when standard error is
    # not a terminal (the command prints its own progress on a terminal).
    if label.endswith("@notty"):
        label = "" if sys.stderr.isatty() else label[:-len("@notty")]
    start = time.monotonic()
    child = subprocess.Popen(cmd)
    peak, last = 0, start
    while child.poll() is None:  # bounded by the child's life
        peak = max(peak, proc_status(child.pid, "VmHWM"))
        now = time.monotonic()
        if label and now - last >= 10:
            sys.stderr.write(f"  {label}: {now - start:.0f} s, peak RSS {peak // 1024} MiB\n")
            last = now
        time.sleep(0.1)
    seconds = time.monotonic() - start
    # ru_maxrss of the waited child is its exact high-water mark (the same
    # counter as VmHWM), so nothing between two samples is missed.
    peak = max(peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    with open(out, "w") as f:
        json.dump({"seconds": seconds, "peak_kib": peak, "rc": child.returncode}, f)
    return 0


# --- rebuilds over HTTP ---------------------------------------------------


def http(url, token, method="GET"):
    req = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=30) as res:
        return json.load(res)


def timeline_status(base, token):
    doc = http(base + "/v1/projections", token)
    ps = doc.get("projections", doc) if isinstance(doc, dict) else doc
    return next(p for p in ps if p["name"] == "timeline")


def started_of(status):
    last = status.get("last_rebuild") or {}
    return last.get("started_at")


def instant(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def rebuild_once(base, token, pid, timeout=1800):
    before = started_of(timeline_status(base, token))
    hwm_before = proc_status(pid, "VmHWM")
    t0 = time.monotonic()
    http(base + "/v1/projections/timeline/rebuild", token, "POST")
    peak_rss, last_print, status = 0, 0.0, None
    while time.monotonic() - t0 < timeout:
        peak_rss = max(peak_rss, proc_status(pid, "VmRSS"))
        status = timeline_status(base, token)
        if status["status"] == "live" and started_of(status) not in (None, before):
            break
        now = time.monotonic()
        r = status.get("rebuild") or {}
        if r and now - last_print >= 1:
            sys.stderr.write(f"\r  rebuilding: {r.get('position', 0)}/{r.get('head', 0)} "
                             f"{r.get('phase', '')} {now - t0:.0f} s, server RSS {peak_rss // 1024} MiB   ")
            last_print = now
        time.sleep(0.25)
    else:
        sys.stderr.write("\n")
        raise SystemExit("rebuild did not finish within %d s" % timeout)
    wall = time.monotonic() - t0
    sys.stderr.write(f"\r  rebuilt in {wall:.1f} s{' ' * 50}\n")
    last = status["last_rebuild"]
    hwm_after = proc_status(pid, "VmHWM")
    seconds = instant(last["finished_at"]) - instant(last["started_at"])
    if seconds <= 0:
        seconds = wall
    # The server's high-water mark rose during the rebuild: the new mark is
    # the rebuild's exact peak. Otherwise the samples of VmRSS (every 0.25 s)
    # are the best figure (the earlier peak was higher).
    peak = hwm_after if hwm_after > hwm_before else peak_rss
    json.dump({"position": last["position"], "result": last["result"], "seconds": seconds,
               "wall_seconds": wall, "per_second": last["position"] / seconds,
               "peak_rss_kib": peak, "detail": last.get("detail")}, sys.stdout)
    print()
    return 0


def rebuild_keep(base, token, seconds):
    deadline = time.monotonic() + seconds
    started, samples, rebuilding = 0, 0, 0
    while time.monotonic() < deadline:
        status = timeline_status(base, token)
        if status["status"] != "rebuilding":
            http(base + "/v1/projections/timeline/rebuild", token, "POST")
            started += 1
        else:
            rebuilding += 1
        samples += 1
        time.sleep(0.25)
    json.dump({"started": started, "samples": samples,
               "rebuilding_fraction": rebuilding / samples if samples else 0.0}, sys.stdout)
    print()
    return 0


# --- wrk ------------------------------------------------------------------


def parse_wrk():
    t = sys.stdin.read()
    m = re.search(r"Requests/sec:\s+([\d.]+)", t)
    if not m:
        sys.stderr.write(t)
        raise SystemExit("wrk printed no Requests/sec")
    rps = float(m.group(1))
    m = re.search(r"\s99%\s+([\d.]+)(us|ms|s)\b", t)
    v, unit = float(m.group(1)), m.group(2)
    p99 = v / 1000 if unit == "us" else (v * 1000 if unit == "s" else v)
    m = re.search(r"(\d+) requests in", t)
    requests = int(m.group(1)) if m else 0
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", t)
    non2xx = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
    socket_errors = sum(int(x) for x in m.groups()) if m else 0
    if non2xx or socket_errors:
        sys.stderr.write(f"  wrk: {non2xx} non-2xx answers, {socket_errors} socket errors\n")
    json.dump({"rps": rps, "p99_ms": p99, "requests": requests, "non2xx": non2xx,
               "socket_errors": socket_errors}, sys.stdout)
    print()
    return 0


# --- report ---------------------------------------------------------------

BEGIN = ("<!-- BEGIN GENERATED by bench/run.sh (`make bench`): everything from here to the END "
         "marker is rewritten by every run. Write analysis below the END marker. -->")
END = ("<!-- END GENERATED. Everything below this line is hand-written and kept as it is by "
       "bench/run.sh. -->")


def machine():
    cpu = platform.processor() or "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) // 1024} MiB RAM"
                break
    return f"{os.cpu_count()} cores ({cpu}), {mem}, {platform.system()} {platform.release()}"


TEXT_FIGURES = {"commit", "dirty"}


def load_figures(path):
    fig = {}
    with open(path) as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("\t")
            # Text stays text: a short commit hash such as 77994e7 would
            # otherwise read as a number.
            if key in TEXT_FIGURES:
                fig[key] = value
                continue
            try:
                fig[key] = json.loads(value)
            except ValueError:
                fig[key] = value
    return fig


def ratio(a, b):
    return a / b if b else float("nan")


def report(figures_path, results, plot):
    F = load_figures(figures_path)
    g = lambda k, d=float("nan"): F.get(k, d)  # noqa: E731
    conns, celebs = g("conns", "?"), g("celebrities", "?")
    empty, big = g("empty_appends"), g("big_appends")
    asof_note = (f"p99 {g('asof_p99'):.1f} ms vs {g('live_p99'):.2f} ms; {g('asof_requests')} requests "
                 f"over {g('asof_distinct')} distinct positions; bad answers: {g('asof_bad')} as-of, "
                 f"{g('live_bad')} live")
    if g("asof_requests", 0) > g("asof_distinct", 0):
        asof_note += " (positions repeated: some answers were cached)"
    series = []
    if F.get("series_file") and os.path.exists(F["series_file"]):
        with open(F["series_file"]) as f:
            for line in f:
                events, appends, secs, rebuild, imp, rebuilt = line.split()
                series.append({"events": int(events), "appends": float(appends), "seconds": secs,
                               "rebuild": float(rebuild), "per_second": float(imp),
                               "rebuilt": int(rebuilt)})
    steps = series
    step_note = ", ".join(f"to {s['events']:,}: {s['per_second']:,.0f}/s" for s in steps)
    rows = [
        (f"durable single-event appends/s, {conns} clients, one stream of an empty store",
         empty, "SQLite single-row txns, WAL, synchronous=FULL", g("empty_base"),
         ">= 8x and >= 30,000/s; p99 <= 10 ms",
         empty >= 8 * g("empty_base") and empty >= 30000 and g("empty_p99") <= 10,
         f"p99 {g('empty_p99'):.1f} ms; {g('empty_errors')} errors"),
        (f"the same over the {celebs:,} streams of the big store ({g('big_head_before'):,} events)",
         big, "row 1 (empty store)", empty, ">= 0.8x", big >= 0.8 * empty,
         f"p99 {g('big_p99'):.1f} ms; {g('big_errors')} errors"),
        (f"the same to celeb-00000 of the big store ({g('heavy'):,} facts; every append re-checks "
         f"the findings it touches), one stream", g("heavy_appends"), "row 1 (empty store, the same stream)",
         empty, ">= 0.8x", g("heavy_appends") >= 0.8 * empty,
         f"p99 {g('heavy_p99'):.1f} ms; {g('heavy_errors')} errors"),
        (f"cached timeline GETs/s (celeb-00000, 100 entries), wrk -t1 -c{conns}",
         g("get_rps"), "nginx, the same bytes as a static file, wrk -t1", g("nginx_rps"),
         ">= 0.5x; p99 <= 1.5x nginx's p99",
         g("get_rps") >= 0.5 * g("nginx_rps") and g("get_p99") <= 1.5 * g("nginx_p99"),
         f"p99 {g('get_p99'):.2f} ms vs nginx {g('nginx_p99'):.2f} ms "
         f"({ratio(g('get_p99'), g('nginx_p99')):.2f}x); {g('get_bad')} bad answers"),
        (f"`starlog import` of the {g('events'):,} NDJSON events, events/s",
         g("import_rate"), "SQLite bulk insert of the same lines (one txn, one TEXT column)",
         g("bulk_rate"), ">= 100,000/s", g("import_rate") >= 100000,
         f"{g('import_seconds'):.1f} s in {len(steps)} steps ({step_note}); "
         f"peak RSS {g('import_peak_kib', 0) // 1024} MiB"),
        (f"`starlog verify --db` of the big store ({g('verify_events'):,} events), events/s",
         g("verify_rate"), "plain scan of the events table, every column, rows/s", g("verify_scan"),
         ">= 250,000/s and >= 0.05x",
         g("verify_rate") >= 250000 and g("verify_rate") >= 0.05 * g("verify_scan"),
         f"{g('verify_seconds'):.1f} s; verified: "
         f"{ {True: 'yes', False: '**no**'}.get(g('verify_ok'), g('verify_ok')) }"),
        (f"rebuild (POST .../timeline/rebuild, until live) of {g('rebuild_events'):,} events, events/s",
         g("rebuild_rate"), "the same scan, measured just before", g("rebuild_scan"),
         ">= 250,000/s and >= 0.05x",
         g("rebuild_rate") >= 250000 and g("rebuild_rate") >= 0.05 * g("rebuild_scan"),
         f"{g('rebuild_seconds'):.1f} s; result {g('rebuild_result')}"),
        ("appends/s while a rebuild runs", g("during_appends"), "appends/s without it (row 2)", big,
         ">= 0.7x", g("during_appends") >= 0.7 * big,
         f"p99 {g('during_p99'):.1f} ms; {g('during_errors')} errors; a rebuild ran in "
         f"{100 * g('during_rebuilding_fraction', 0):.0f}% of the samples, {g('during_rebuilds')} started"),
        (f"as-of timeline GETs/s, celeb-00000 ({g('heavy'):,} facts), a new as_of_position "
         f"per request (uncached), wrk -t1 -c{conns}",
         g("asof_rps"), "live timeline GETs/s, same celebrity and token", g("live_rps"),
         "<= 10x slower (ratio >= 0.1)", g("asof_rps") >= 0.1 * g("live_rps"), asof_note),
        ("peak RSS of the server over the whole run (VmHWM), MiB", g("server_hwm_kib") / 1024,
         "bound", 512, "<= 512 MiB", g("server_hwm_kib") / 1024 <= 512, "the big store's server"),
        ("peak RSS of `starlog verify` (VmHWM), MiB", g("verify_peak_kib") / 1024, "bound", 256,
         "<= 256 MiB", g("verify_peak_kib") / 1024 <= 256, ""),
        ("peak RSS of the server during the rebuild, MiB", g("rebuild_peak_kib") / 1024, "bound", 256,
         "<= 256 MiB", g("rebuild_peak_kib") / 1024 <= 256,
         "VmHWM if it rose during the rebuild, else the highest VmRSS sample"),
    ]
    lines = ["| figure | Starlog | baseline (same run) | baseline value | ratio | target | verdict | notes |",
             "|---|---|---|---|---|---|---|---|"]
    for name, v, bname, b, target, ok, note in rows:
        lines.append(f"| {name} | {v:,.0f} | {bname} | {b:,.0f} | {ratio(v, b):.2f}x | {target} | "
                     f"{'met' if ok else '**missed**'} | {note} |")
    table = "\n".join(lines)
    slines = ["| log size (events) | appends/s, %s clients over the streams | rebuild, events/s "
              "(events rebuilt) | import of the step, events/s |" % conns, "|---|---|---|---|"]
    for p in series:
        slines.append(f"| {p['events']:,} | {p['appends']:,.0f} ({p['seconds']} s) | "
                      f"{p['rebuild']:,.0f} ({p['rebuilt']:,}) | {p['per_second']:,.0f} |")
    stable = "\n".join(slines)
    pg_rows = [
        (f"durable appends/s through one node, {conns} clients over {celebs:,} streams",
         g("pg1_appends"), "SQLite, the same load on the big store (row 2)", big,
         f"p99 {g('pg1_p99'):.1f} ms; {g('pg1_errors')} errors"),
        (f"the same through two nodes at once ({conns // 2 if isinstance(conns, int) else conns} clients each)",
         g("pg2_appends"), "one node (the row above)", g("pg1_appends"),
         f"p99 {g('pg2_p99'):.1f} ms (the slower node); {g('pg2_errors')} errors"),
    ]
    for node in (1, 2):
        pg_rows.append((f"node {node}: cached timeline GETs/s (celeb-00000, 100 entries)",
                        g(f"pg{node}_get_rps"), "SQLite, the same GET (row 4)", g("get_rps"),
                        f"p99 {g(f'pg{node}_get_p99'):.2f} ms vs {g('get_p99'):.2f} ms"))
        pg_rows.append((f"node {node}: uncached timeline GETs/s (a new `to` date and limit per request)",
                        g(f"pg{node}_uncached_rps"), "SQLite, the same requests on the big store",
                        g("uncached_rps"),
                        f"p99 {g(f'pg{node}_uncached_p99'):.2f} ms vs {g('uncached_p99'):.2f} ms"))
    pg_rows.append(("`starlog import` into PostgreSQL, events/s", g("pg_import_rate"),
                    "SQLite import of the big data set (row 5)", g("import_rate"),
                    f"{g('pg_lines', 0):,} lines: the registrations and celeb-00000's facts"))
    pg_rows.append(("a node folding the log from the database (`starlog verify --db postgresql://`), "
                    "events/s", g("pg_fold_rate"), "SQLite verify (row 6)", g("verify_rate"),
                    f"{g('pg_head', 0):,} events after the appends; a new node's catch-up runs this fold"))
    pg_rows.append(("peak RSS of node 1 (VmHWM), MiB", g("pg_node_hwm_kib", 0) / 1024, "SQLite server",
                    g("server_hwm_kib", 0) / 1024, "read models in the node's memory"))
    plines = ["| figure (PostgreSQL) | Starlog | SQLite figure of the same run | its value | ratio | notes |",
              "|---|---|---|---|---|---|"]
    for name, v, bname, b, note in pg_rows:
        plines.append(f"| {name} | {v:,.0f} | {bname} | {b:,.0f} | {ratio(v, b):.2f}x | {note} |")
    ptable = "\n".join(plines)
    print(table)
    print()
    print(stable)
    print()
    print(ptable)
    if not results:
        return 0
    plot_name = os.path.basename(plot) if plot else ""
    gen = [
        BEGIN, "",
        f"Run of {F.get('date', '?')}, {F.get('elapsed', 0):.0f} s end to end "
        f"({'data set generated in this run' if F.get('generated') else 'data set generated by an earlier run'}), "
        f"code at commit {F.get('commit', '?')}{F.get('dirty', '')}.",
        "",
        f"Machine: {machine()}. Every figure below was measured on it in this one run.",
        f"Data set: `bench_generate --celebrities {celebs} --events {g('events')} --heavy-facts "
        f"{g('heavy')}` ({g('events'):,} NDJSON events, {g('ndjson_mib', 0):,} MiB; celeb-00000 has "
        f"{g('heavy'):,} facts); the big store is that file imported with `starlog import`. "
        f"Row 1 runs on a store holding only celeb-00000's registration.",
        f"Each HTTP phase runs {g('secs')} s with {conns} connections ({g('series_secs')} s at the "
        f"smaller log sizes of the series); every baseline is measured in the same run, next to its "
        f"figure.", "",
        table, "",
        f"### Append and rebuild rate against log size", "",
        f"The data set is imported in steps (the import row sums them); after each step but the "
        f"last, a rebuild on one copy of the store as imported and {g('series_secs')} s of appends "
        f"over its registered streams on another. The full-size point is rows 2 ({g('secs')} s) and "
        f"7 (that rebuild runs after row 2's appends, so it covers them too). The plot draws each "
        f"rebuild at the number of events it rebuilt.", "",
    ]
    if plot_name and F.get("plot_ok"):
        gen += [f"![append and rebuild rate against log size]({plot_name})", ""]
    elif plot_name:
        gen += ["(no plot: gnuplot failed or is missing; `make deps` installs gnuplot-nox)", ""]
    gen += [stable, "",
            "### PostgreSQL: one and two nodes", "",
            f"A throwaway PostgreSQL cluster on the same machine (Debian's `postgresql`, unix "
            f"socket, fsync and synchronous_commit on, as durable as the SQLite store), holding "
            f"the {celebs:,} registrations and celeb-00000's {g('heavy'):,} facts. Each node keeps "
            f"its read models in memory. Two nodes share the machine's 2 cores with each other and "
            f"with PostgreSQL, so the two-node row shows what the database's commit path carries, "
            f"not what two machines would.", "",
            ptable, "", END]
    generated = "\n".join(gen)  # the hand-written part starts with its own newlines
    title, hand = "# Benchmark results\n\n", None
    if os.path.exists(results):
        old = open(results).read()
        if BEGIN in old and END in old:
            title = old[:old.index(BEGIN)]
            hand = old[old.index(END) + len(END):]
        elif old.strip():
            hand = ("\n\n## Notes kept from the file as it was before it had markers\n\n" + old)
    if hand is None:
        hand = "\n\n## Notes\n\n(Hand-written analysis of the figures above goes here.)\n"
    with open(results, "w") as f:
        f.write(title + generated + hand)
    sys.stderr.write(f"written to {results}\n")
    return 0


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "measure":
        return measure(argv[2], argv[3], argv[4:])
    if cmd == "rebuild-once":
        return rebuild_once(argv[2], argv[3], int(argv[4]))
    if cmd == "rebuild-keep":
        return rebuild_keep(argv[2], argv[3], float(argv[4]))
    if cmd == "wrk":
        return parse_wrk()
    if cmd == "report":
        return report(argv[2], argv[3], argv[4] if len(argv) > 4 else "")
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
