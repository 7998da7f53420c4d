#!/usr/bin/env python3
"""Benchmark: `infrac build` as a whole process on generated projects.

Two projects of N droplets, each droplet with an A record pointing at it and
a place in one shared firewall (2N + 2 Terraform resources):
  loop:    one `count` each for droplets and records
  written: every droplet and record written out node by node
Reports the median wall time of several runs and the peak memory (max RSS)
for N = 1,000, 10,000 and 100,000 (override with --sizes).

Then, for the loop form at N = 10,000 with one change (the firewall's SSH
port), `infrac diff` against the output folder and against `--base HEAD` in a
git repository, beside the build they are compared with.

With --lsp: the language server on the written form at N = 10,000: the
time from a change (one droplet's size edited) to the diagnostics of the
whole project, per keystroke, over --runs changes.

Usage: python3 scripts/bench.py [--sizes 1000,10000] [--runs 5] [--no-diff] [--lsp]
       python3 scripts/bench.py --emit DIR [--sizes 20]
Build first: cargo build --release

`--emit DIR` only writes the two projects, at the first size, into DIR/loop
and DIR/written: the tests build them and have real Terraform plan them, so
the benchmark measures projects whose output is correct.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "infrac")

HEAD = 'provider "digitalocean" token=(secret)"do_token"\nsecret "do_token"\ndomain "bench.example"\n'
FIREWALL = 'firewall "shared" {{\n    droplets {names}\n    inbound protocol="tcp" ports="22" {{\n        from-addresses "0.0.0.0/0"\n    }}\n}}\n'


def loop_project(n):
    return (
        HEAD
        + f'droplet "node" count={n} region="nyc3" size="s-1vcpu-1gb" image="ubuntu-24-04-x64"\n'
        + f'record "node" count={n} fqdn="node-${{index}}.bench.example" type="A" value=(ref)"droplet.node-${{index}}.ipv4"\n'
        + FIREWALL.format(names='"node"')
    )


def written_project(n):
    parts = [HEAD]
    for i in range(1, n + 1):
        parts.append(f'droplet "node-{i}" region="nyc3" size="s-1vcpu-1gb" image="ubuntu-24-04-x64"\n')
        parts.append(f'record "node-{i}" domain="bench.example" name="node-{i}" type="A" value=(ref)"droplet.node-{i}.ipv4"\n')
    parts.append(FIREWALL.format(names=" ".join(f'"node-{i}"' for i in range(1, n + 1))))
    return "".join(parts)


def measure(project_dir, runs):
    """Median wall time and peak RSS (MiB) of `infrac build`, per process."""
    times = []
    peak = 0
    for _ in range(runs):
        shutil.rmtree(os.path.join(project_dir, "out"), ignore_errors=True)
        start = time.perf_counter()
        proc = subprocess.Popen([BIN, "build", project_dir], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        times.append(time.perf_counter() - start)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"build failed:\n{proc.stderr.read().decode()[:2000]}")
        peak = max(peak, usage.ru_maxrss)
    return statistics.median(times), min(times), peak / 1024.0


def timed(cmd, cwd, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if r.returncode not in (0, 1):
            sys.exit(f"{cmd} failed:\n{r.stderr[:2000]}")
    return statistics.median(times)


def bench_diff(runs):
    n = 10000
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "infra.kdl")
        with open(path, "w") as f:
            f.write(loop_project(n))
        git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com"]
        subprocess.run(git + ["init", "-q"], cwd=d, check=True)
        subprocess.run(git + ["add", "infra.kdl"], cwd=d, check=True)
        subprocess.run(git + ["commit", "-qm", "base"], cwd=d, check=True)
        build = timed([BIN, "build", d], d, runs)
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace('ports="22"', 'ports="2222"'))
        against_out = timed([BIN, "diff", d], d, runs)
        against_base = timed([BIN, "diff", d, "--base", "HEAD"], d, runs)
    print(f"\ndiff, loop form, N={n}, one change:")
    print(f"  build                  {build * 1000:6.0f}ms")
    print(f"  diff (output folder)   {against_out * 1000:6.0f}ms  ({against_out / build:.1f}x build)")
    print(f"  diff --base HEAD       {against_base * 1000:6.0f}ms  ({against_base / build:.1f}x build)")


def bench_lsp(runs):
    """Median time from `didChange` to `publishDiagnostics`, in one server."""
    import json
    n = 10000
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(os.path.realpath(d), "infra.kdl")
        text = written_project(n)
        with open(path, "w") as f:
            f.write(text)
        uri = "file://" + path
        server = subprocess.Popen([BIN, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)

        def encode(message):
            body = json.dumps(message).encode()
            return b"Content-Length: %d\r\n\r\n" % len(body) + body

        def send(message):
            server.stdin.write(message if isinstance(message, bytes) else encode(message))
            server.stdin.flush()

        def receive():
            length = 0
            while True:
                line = server.stdout.readline().strip()
                if not line:
                    break
                if line.startswith(b"Content-Length:"):
                    length = int(line.split(b":")[1])
            return json.loads(server.stdout.read(length))

        def diagnostics():
            while True:
                m = receive()
                if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri:
                    return m["params"]["diagnostics"]

        send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": None, "capabilities": {}}})
        receive()
        send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri, "languageId": "kdl", "version": 1, "text": text}}})
        diagnostics()
        times = []
        for i in range(runs):
            size = "s-2vcpu-2gb" if i % 2 == 0 else "s-1vcpu-1gb"
            changed = text.replace('droplet "node-5000" region="nyc3" size="s-1vcpu-1gb"', f'droplet "node-5000" region="nyc3" size="{size}"')
            # Encoded before the clock starts: the editor's own work.
            message = encode({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": uri, "version": i + 2}, "contentChanges": [{"text": changed}]}})
            start = time.perf_counter()
            send(message)
            found = diagnostics()
            times.append(time.perf_counter() - start)
            assert found == [], found
        send({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
        receive()
        send({"jsonrpc": "2.0", "method": "exit"})
        server.wait()
    print(f"\nlsp, written form, N={n} ({len(text) / 1e6:.2f} MB), change to diagnostics:")
    print(f"  median {statistics.median(times) * 1000:6.0f}ms  min {min(times) * 1000:4.0f}ms  max {max(times) * 1000:4.0f}ms  ({runs} changes)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-diff", action="store_true")
    ap.add_argument("--emit", metavar="DIR")
    ap.add_argument("--lsp", action="store_true", help="only the language server's re-check")
    args = ap.parse_args()
    if args.lsp:
        if not os.path.exists(BIN):
            sys.exit("build first: cargo build --release")
        bench_lsp(args.runs)
        return
    if args.emit:
        n = int(args.sizes.split(",")[0])
        for form, make in (("loop", loop_project), ("written", written_project)):
            os.makedirs(os.path.join(args.emit, form), exist_ok=True)
            with open(os.path.join(args.emit, form, "infra.kdl"), "w") as f:
                f.write(make(n))
        return
    if not os.path.exists(BIN):
        sys.exit("build first: cargo build --release")
    print(f"{'form':<8} {'N':>7} {'resources':>9} {'input':>9} {'median':>9} {'min':>7} {'peak RSS':>9}")
    for form, make in (("loop", loop_project), ("written", written_project)):
        for n in (int(s) for s in args.sizes.split(",")):
            with tempfile.TemporaryDirectory() as d:
                text = make(n)
                with open(os.path.join(d, "infra.kdl"), "w") as f:
                    f.write(text)
                runs = args.runs if (form == "loop" or n <= 10000) else 1
                t, best, rss = measure(d, runs)
                print(f"{form:<8} {n:>7} {2 * n + 2:>9} {len(text) / 1e6:>7.2f}MB {t * 1000:>7.0f}ms {best * 1000:>5.0f}ms {rss:>7.1f}MiB", flush=True)
    if not args.no_diff:
        bench_diff(args.runs)


if __name__ == "__main__":
    main()
