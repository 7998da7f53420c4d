#!/usr/bin/env python3
"""Runs the real Caddy and nginx on infrac's web-front output.

  web_check.py validate OUT...        caddy validate / nginx -t on every config
  web_check.py requests TABLE OUT...  start each server's real engine on
                                      loopback and check a table of requests

Everything runs in a private mount and network namespace (`unshare -m -n`,
as root): /etc is an overlay, so deploy-time names (`app-1.int.example.com`)
can be given loopback addresses in /etc/hosts and certificate files can be
created at the paths the configs name; /var/log, /var/lib/nginx and /srv
are empty tmpfs; the network has only `lo`. Nothing outside is touched.

Table lines (`#` starts a comment):
  server NAME                    the server whose config the next lines use
  stub NAME HOST:PORT            an upstream stub answering with `X-Stub: NAME`
  file PATH [*N] TEXT            a static file under /srv (TEXT repeated N times)
  secret NAME USER:PASSWORD      a basic-auth secret (bcrypt, given to both engines)
  GET HOST PATH [h:NAME=VALUE...] [auth=USER:PASS] -> STATUS [CHECK...]
  GET HOST PATH -> closed        the server closes the connection unanswered
  GET HOST PATH port=N -> ...    on another port of the server (a TCP proxy)
      CHECK: location=URL  upstream=A|B  header:NAME=VALUE  header:NAME~PART
             noheader:NAME  body~TEXT (no spaces; use \\s for a space)
  SPREAD HOST PATH N -> A B...   N requests reach every listed stub
Output folders must have been built with `infrac build --plain-http PORT`;
the port is read from the configs.
"""
import base64
import http.client
import http.server
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

FLAG = "INFRAC_WEB_NAMESPACE"


def die(msg):
    print(f"web_check: {msg}", file=sys.stderr)
    sys.exit(1)


def enter_namespace():
    if os.environ.get(FLAG) == "1":
        return
    env = dict(os.environ, **{FLAG: "1"})
    cmd = ["unshare", "-m", "-n", sys.executable, os.path.abspath(__file__)] + sys.argv[1:]
    try:
        sys.exit(subprocess.run(cmd, env=env).returncode)
    except FileNotFoundError:
        die("`unshare` (util-linux) is needed")


def sh(*cmd, **kw):
    r = subprocess.run(list(cmd), capture_output=True, text=True, **kw)
    if r.returncode != 0:
        die(f"{' '.join(cmd)} failed:\n{r.stdout}{r.stderr}")
    return r


class Sandbox:
    """The private view of the file system, set up once per run."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="infrac-web-")
        sh("mount", "-t", "tmpfs", "infrac", self.root)
        for d in ("upper", "work", "home", "nginx", "keys"):
            os.makedirs(os.path.join(self.root, d))
        sh("mount", "-t", "overlay", "overlay", "-o",
           f"lowerdir=/etc,upperdir={self.root}/upper,workdir={self.root}/work", "/etc")
        for d in ("/var/log", "/var/lib/nginx", "/srv"):
            if os.path.isdir(d):
                sh("mount", "-t", "tmpfs", "infrac", d)
            os.chmod(d, 0o755)
        for d in ("/var/log/nginx", "/var/log/caddy"):
            os.makedirs(d, exist_ok=True)
        sh("ip", "link", "set", "lo", "up")
        self.hosts = {}
        self.key = os.path.join(self.root, "keys", "key.pem")
        self.cert = os.path.join(self.root, "keys", "cert.pem")
        sh("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
           "-subj", "/CN=infrac-test", "-keyout", self.key, "-out", self.cert)

    def host(self, name, address="127.0.0.1"):
        if name not in self.hosts and not re.match(r"^[\d.]+$|:", name):
            self.hosts[name] = address
            with open("/etc/hosts", "a") as f:
                f.write(f"{address} {name}\n")
        return self.hosts.get(name, name)

    def cert_at(self, path, key):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        shutil.copy(self.key if key else self.cert, path)


def configs(out):
    found = []
    for engine, name in (("caddy", "Caddyfile"), ("nginx", "nginx.conf")):
        base = os.path.join(out, engine)
        if os.path.isdir(base):
            for server in sorted(os.listdir(base)):
                found.append((server, engine, os.path.join(base, server, name)))
    return found


def prepare(box, engine, path, secrets):
    """What the config needs from the machine: names, certificates, hashes."""
    text = open(path).read()
    if engine == "caddy":
        for m in re.finditer(r"reverse_proxy ([^{\n]+)", text):
            for up in m.group(1).split():
                box.host(up.rsplit(":", 1)[0].strip("`[]"))
        for m in re.finditer(r"^\s*tls (/\S+) (/\S+)(?: \{)?$", text, re.M):
            box.cert_at(m.group(1), False)
            box.cert_at(m.group(2), True)
        env = dict(os.environ, HOME=f"{box.root}/home", XDG_DATA_HOME=f"{box.root}/home",
                   XDG_CONFIG_HOME=f"{box.root}/home")
        for var in re.findall(r"\{\$(INFRAC_SECRET_\w+)\}", text):
            env[var] = secrets.get(var, secrets.get("*"))
        return env, path
    for m in re.finditer(r"^\s*server (\S+?):\d+ ", text, re.M):
        box.host(m.group(1).strip('"[]'))
    for m in re.finditer(r"^\s*ssl_certificate(_key)? (\S+);", text, re.M):
        box.cert_at(m.group(2).strip('"'), bool(m.group(1)))
    conf_dir = tempfile.mkdtemp(dir=f"{box.root}/nginx")
    conf = os.path.join(conf_dir, "nginx.conf")
    shutil.copy(path, conf)
    os.makedirs(os.path.join(conf_dir, "secrets"))
    for name in re.findall(r"auth_basic_user_file secrets/(\S+)\.htpasswd;", text):
        with open(os.path.join(conf_dir, "secrets", f"{name}.htpasswd"), "w") as f:
            f.write(secrets.get(f"htpasswd:{name}", secrets.get("htpasswd:*", "")))
    os.chmod(conf_dir, 0o755)
    return None, conf


def nginx_args(conf, *extra):
    prefix = os.path.dirname(conf) + "/"
    return ["nginx", "-p", prefix, "-c", conf, "-g", f"pid {prefix}nginx.pid;{''.join(extra)}"]


def bcrypt(password):
    out = sh("caddy", "hash-password", "--plaintext", password).stdout.strip()
    return out.splitlines()[-1]


def validate(outs):
    box = Sandbox()
    hash_ = bcrypt("validate")
    secrets = {"*": hash_, "htpasswd:*": f"user:{hash_}\n"}
    failures = 0
    count = 0
    for out in outs:
        for server, engine, path in configs(out):
            env, conf = prepare(box, engine, path, secrets)
            if engine == "caddy":
                r = subprocess.run(["caddy", "validate", "--config", conf, "--adapter", "caddyfile"],
                                   capture_output=True, text=True, env=env)
                ok = r.returncode == 0 and "Valid configuration" in r.stdout + r.stderr
            else:
                r = subprocess.run(nginx_args(conf) + ["-t"], capture_output=True, text=True)
                ok = r.returncode == 0
            count += 1
            if not ok:
                failures += 1
                print(f"FAIL {engine} {path}:\n{r.stdout}{r.stderr}", file=sys.stderr)
    print(f"web_check: {count} configs validated, {failures} failed")
    sys.exit(1 if failures or count == 0 else 0)


class Stub(http.server.BaseHTTPRequestHandler):
    def handle_any(self):
        name = self.server.stub_name
        body = f"stub:{name} {self.command} {self.path} host={self.headers.get('Host')}".encode()
        self.send_response(200)
        self.send_header("X-Stub", name)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_HEAD = handle_any

    def log_message(self, *args):
        pass


def start_stub(box, name, addr):
    host, port = addr.rsplit(":", 1)
    ip = box.hosts.get(host, host)
    srv = http.server.ThreadingHTTPServer((ip, int(port)), Stub)
    srv.stub_name = name
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def wait_port(port, proc, what):
    for _ in range(200):
        if proc.poll() is not None:
            die(f"{what} exited:\n{proc.stderr.read() if proc.stderr else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    die(f"{what} did not listen on {port}")


def request(port, host, path, headers):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers=dict(headers, Host=host))
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, r.headers, body


def parse_table(path):
    sections = {}  # server -> list of lines
    setup = []
    server = None
    for n, raw in enumerate(open(path), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        word = line.split()[0]
        if word == "server":
            server = line.split()[1]
            sections.setdefault(server, [])
        elif word in ("stub", "file", "secret"):
            setup.append((n, line))
        else:
            sections.setdefault(server, []).append((n, line))
    return setup, sections


def check_line(port, n, line, where):
    left, _, right = line.partition(" -> ")
    parts = left.split()
    verb = parts[0]
    if verb == "SPREAD":
        host, path, count = parts[1], parts[2], int(parts[3])
        want = set(right.split())
        seen = set()
        for _ in range(count):
            _, h, _, _ = request(port, host, path, {})
            seen.add(h.get("x-stub"))
        if not want <= seen:
            return f"{where}:{n}: {line}\n    upstreams seen: {sorted(s for s in seen if s)}"
        return None
    host, path = parts[1], parts[2]
    headers = {}
    for p in parts[3:]:
        if p.startswith("port="):
            # Another port of the server: a TCP proxy's.
            port = int(p[5:])
        elif p.startswith("h:"):
            k, v = p[2:].split("=", 1)
            headers[k] = v
        elif p.startswith("auth="):
            headers["Authorization"] = "Basic " + base64.b64encode(p[5:].encode()).decode()
    checks = right.split()
    try:
        status, h, raw_headers, body = request(port, host, path, headers)
    except (http.client.RemoteDisconnected, ConnectionResetError):
        # `-> closed`: the server closed the connection without answering.
        if checks == ["closed"]:
            return None
        return f"{where}:{n}: {line}\n    the connection was closed without an answer"
    if checks[0] == "closed":
        return f"{where}:{n}: {line}\n    answered {status}, want the connection closed"
    problems = []
    if str(status) != checks[0]:
        problems.append(f"status {status}, want {checks[0]}")
    for c in checks[1:]:
        if c.startswith("location="):
            if h.get("location") != c[9:]:
                problems.append(f"location {h.get('location')!r}, want {c[9:]!r}")
        elif c.startswith("upstream="):
            if h.get("x-stub") not in c[9:].split("|"):
                problems.append(f"answered by {h.get('x-stub')!r}, want {c[9:]}")
        elif c.startswith("header:"):
            spec = c[7:].replace("\\s", " ")
            eq, tilde = spec.find("="), spec.find("~")
            if eq >= 0 and (tilde < 0 or eq < tilde):
                k, v = spec.split("=", 1)
                got = raw_headers.get_all(k) or []
                if v not in got:
                    problems.append(f"header {k}: {got}, want {v!r}")
            else:
                k, v = spec.split("~", 1)
                if v not in (h.get(k.lower()) or ""):
                    problems.append(f"header {k}: {h.get(k.lower())!r}, want it to contain {v!r}")
        elif c.startswith("noheader:"):
            if c[9:].lower() in h:
                problems.append(f"header {c[9:]} present: {h[c[9:].lower()]!r}")
        elif c.startswith("body~"):
            want = c[5:].replace("\\s", " ")
            if want.encode() not in body:
                problems.append(f"body {body[:120]!r} lacks {want!r}")
        else:
            die(f"{where}:{n}: unknown check {c}")
    if problems:
        return f"{where}:{n}: {line}\n    " + "\n    ".join(problems)
    return None


def requests(table, outs):
    box = Sandbox()
    setup, sections = parse_table(table)
    secrets = {}
    stubs = []
    loopback = 2
    for n, line in setup:
        parts = line.split(None, 2)
        if parts[0] == "stub":
            name, addr = parts[1], parts[2]
            host = addr.rsplit(":", 1)[0]
            if host not in box.hosts and not re.match(r"^[\d.]+$", host):
                box.host(host, f"127.0.1.{loopback}")
                loopback += 1
            stubs.append(start_stub(box, name, addr))
        elif parts[0] == "file":
            path, rest = parts[1], parts[2]
            if not path.startswith("/srv/"):
                die(f"{table}:{n}: files live under /srv")
            times = 1
            m = re.match(r"\*(\d+) (.*)", rest)
            if m:
                times, rest = int(m.group(1)), m.group(2)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(rest * times)
            d = os.path.dirname(path)
            while d != "/srv":
                os.chmod(d, 0o755)
                d = os.path.dirname(d)
        elif parts[0] == "secret":
            name, cred = parts[1], parts[2]
            user, password = cred.split(":", 1)
            hash_ = bcrypt(password)
            env = "INFRAC_SECRET_" + re.sub(r"[^A-Za-z0-9]", "_", name).upper()
            secrets[env] = hash_
            secrets[f"htpasswd:{name}"] = f"{user}:{hash_}\n"
    failures = []
    ran = 0
    for out in outs:
        found = {server: (engine, path) for server, engine, path in configs(out)}
        for server, lines in sections.items():
            if server is None:
                if len(found) != 1:
                    die(f"{table}: name a `server` (the output has {sorted(found)})")
                server = next(iter(found))
            if server not in found:
                die(f"{out}: no config for server `{server}`")
            engine, path = found[server]
            text = open(path).read()
            port = int(re.search(r"http://\S+?:(\d+)|listen (\d+)", text).group(1) or
                       re.search(r"listen (\d+)", text).group(1))
            env, conf = prepare(box, engine, path, secrets)
            if engine == "caddy":
                cmd = ["caddy", "run", "--config", conf, "--adapter", "caddyfile"]
            else:
                cmd = nginx_args(conf, "daemon off;")
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            try:
                wait_port(port, proc, f"{engine} for {server}")
                for n, line in lines:
                    ran += 1
                    problem = check_line(port, n, line, f"{os.path.basename(table)} [{engine} {server}]")
                    if problem:
                        failures.append(problem)
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    for s in stubs:
        s.shutdown()
    for f in failures:
        print(f, file=sys.stderr)
    print(f"web_check: {ran} requests, {len(failures)} failed")
    sys.exit(1 if failures or ran == 0 else 0)


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("validate", "requests"):
        die(__doc__)
    if os.geteuid() != 0:
        die("needs root (for mount and network namespaces)")
    enter_namespace()
    if sys.argv[1] == "validate":
        validate(sys.argv[2:])
    else:
        requests(sys.argv[2], sys.argv[3:])


if __name__ == "__main__":
    main()
