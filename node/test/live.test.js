// live.test.js - live captures between the project's test hosts (design.md's
// network rule: two network namespaces this test creates, one veth pair with
// both ends inside them, 10.200.0.0/24 and fd00:200::/64 only). Needs root.
// - python3 -m http.server on host B, curl GETs from host A over IPv4 and
//   IPv6: createSession + TCPTracker and a Pipeline on B's veth see exactly
//   the bytes curl reports, both ways, and drop nothing;
// - close() on a quiet interface returns and the process then exits by itself.
"use strict";
const test = require("node:test");
const assert = require("node:assert");
const fs = require("fs");
const path = require("path");
const readline = require("readline");
const { spawn, spawnSync, execFileSync } = require("child_process");
const { TMP, isRoot, plainEnv } = require("./helpers");

const have = (c) => spawnSync("sh", ["-c", `command -v ${c}`], { env: plainEnv() }).status === 0;
const why = !isRoot() ? "needs root (network namespaces, capture)"
    : !have("ip") || !have("curl") || !have("python3") ? "needs ip, curl and python3" : null;

const tag = `ftn${process.pid}`;
const NS_A = `${tag}-a`, NS_B = `${tag}-b`, IF_A = `${tag}a`, IF_B = `${tag}b`;
const ip = (...a) => execFileSync("ip", a, { stdio: ["ignore", "ignore", "pipe"], env: plainEnv(), timeout: 30000 });
const kids = [];

function up() {
    ip("netns", "add", NS_A);
    ip("netns", "add", NS_B);
    ip("-n", NS_A, "link", "add", IF_A, "type", "veth", "peer", "name", IF_B);
    ip("-n", NS_A, "link", "set", IF_B, "netns", NS_B);
    ip("-n", NS_A, "addr", "add", "10.200.0.1/24", "dev", IF_A);
    ip("-n", NS_B, "addr", "add", "10.200.0.2/24", "dev", IF_B);
    ip("-n", NS_A, "-6", "addr", "add", "fd00:200::1/64", "dev", IF_A, "nodad");
    ip("-n", NS_B, "-6", "addr", "add", "fd00:200::2/64", "dev", IF_B, "nodad");
    for (const ns of [NS_A, NS_B]) ip("-n", ns, "link", "set", "lo", "up");
    ip("-n", NS_A, "link", "set", IF_A, "up");
    ip("-n", NS_B, "link", "set", IF_B, "up");
    for (let i = 0; i < 50; i++)
        if (spawnSync("ip", ["netns", "exec", NS_A, "ping", "-c1", "-W1", "10.200.0.2"], { env: plainEnv(), timeout: 30000 }).status === 0) return;
    throw new Error("10.200.0.2 unreachable");
}
function down() {
    for (const k of kids) try { k.kill("SIGKILL"); } catch (e) { /* gone */ }
    for (const ns of [NS_A, NS_B]) spawnSync("ip", ["netns", "del", ns], { env: plainEnv(), timeout: 30000 });
}

// A child in a namespace; lines() yields its JSON lines.
function child(ns, args, opts) {
    const env = args[0] === process.execPath ? process.env : plainEnv();
    const c = spawn("ip", ["netns", "exec", ns, ...args], { stdio: ["pipe", "pipe", "pipe"], cwd: opts && opts.cwd, env });
    kids.push(c);
    c.stderrText = "";
    c.stderr.on("data", (d) => { c.stderrText += d; });
    c.lines = [];
    c.waiters = [];
    if (opts && opts.raw) { c.stdout.resume(); c.exited = new Promise((r) => c.on("exit", r)); return c; }
    readline.createInterface({ input: c.stdout }).on("line", (l) => {
        c.lines.push(JSON.parse(l));
        for (const w of c.waiters.splice(0)) w();
    });
    c.exited = new Promise((resolve) => c.on("exit", (code, sig) => resolve({ code, sig })));
    return c;
}
// Waits (bounded: a hang guard, not a measurement) until pred holds on c's lines.
function until(c, pred, what) {
    return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}; stderr: ${c.stderrText}`)), 30000);
        const check = () => {
            const r = pred(c.lines);
            if (r) { clearTimeout(t); resolve(r); } else c.waiters.push(check);
        };
        check();
    });
}
function bounded(p, ms, what) {
    return Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error("timed out: " + what)), ms))]);
}

test("live", { skip: why || false }, async (t) => {
    up();
    t.after(down);
    const node = process.execPath;
    const childJs = path.join(__dirname, "live_child.js");

    await t.test("createSession + TCPTracker and a Pipeline see curl's bytes, IPv4 and IPv6", async () => {
        const www = fs.mkdtempSync(path.join(TMP, "www-"));
        const body = Buffer.alloc(300000);
        for (let i = 0; i < body.length; i++) body[i] = (i * 7) & 0xff;
        fs.writeFileSync(path.join(www, "file"), body);
        const cap = child(NS_B, [node, childJs, IF_B, "http"]);
        await until(cap, (l) => l.some((x) => x.kind === "ready"), "capture ready");
        child(NS_B, ["python3", "-m", "http.server", "8000", "--bind", "::"], { cwd: www, raw: true });
        const curl = (url) => {
            for (let i = 0; i < 50; i++) {
                const r = spawnSync("ip", ["netns", "exec", NS_A, "curl", "-s", "-g", "-o", "/dev/null", "-w",
                    "%{http_code} %{size_download} %{size_header} %{size_request} %{local_port}", url], { encoding: "utf8", env: plainEnv(), timeout: 30000 });
                const v = r.stdout.split(" ").map(Number);
                if (v[0] === 200) return { down: v[1], header: v[2], request: v[3], port: v[4] };
                spawnSync("sleep", ["0.1"], { env: plainEnv() }); // the server is still starting
            }
            throw new Error("curl " + url + " failed");
        };
        const got = [curl("http://10.200.0.2:8000/file"), curl("http://[fd00:200::2]:8000/file")];
        for (const c of got) {
            assert.strictEqual(c.down, body.length);
            const sess = await until(cap, (l) => l.find((x) => x.kind === "session" && x.src.endsWith(":" + c.port)), "session " + c.port);
            assert.strictEqual(sess.recv, c.header + c.down, "server -> client bytes");
            assert.strictEqual(sess.send, c.request, "client -> server bytes");
            assert.strictEqual(sess.close, "fin");
            assert.strictEqual(sess.stats.js_drop, 0);
            assert.strictEqual(sess.stats.ps_drop, 0);
            const fl = await until(cap, (l) => l.find((x) => x.kind === "flow" && x.flow.sport === c.port), "flow " + c.port);
            assert.strictEqual(fl.flow.recv.bytes, c.header + c.down);
            assert.strictEqual(fl.flow.send.bytes, c.request);
            assert.strictEqual(fl.flow.close, "fin");
        }
        assert.ok(cap.lines.find((x) => x.kind === "session" && x.src.startsWith("[fd00:200::1]")), "IPv6 session tracked");
        cap.stdin.write("close\n");
        const ex = await bounded(cap.exited, 20000, "the capture process exits after close()");
        assert.deepStrictEqual(ex, { code: 0, sig: null }, cap.stderrText);
        assert.ok(!cap.lines.some((x) => x.kind === "error"));
    });

    await t.test("examples/http_trace.js prints the C tool's request/response lines on the same capture", async () => {
        const www = fs.mkdtempSync(path.join(TMP, "www11-"));
        fs.writeFileSync(path.join(www, "f0"), "");
        fs.writeFileSync(path.join(www, "f1k"), Buffer.alloc(1024, 97));
        fs.writeFileSync(path.join(www, "big"), Buffer.alloc(3 * 1024 * 1024 + 12345, 98));
        const pcapFile = path.join(TMP, "http.pcap");
        const { FLOWTAP } = require("./helpers");
        // Its periodic stats records say the capture is open: no request is sent before.
        const cap = child(NS_B, [FLOWTAP, "-i", IF_B, "-w", pcapFile, "--immediate-mode", "--json", "--no-flows",
            "--stats-interval", "0.1", "tcp port 8080"]);
        await until(cap, (ls) => ls.some((x) => x.type === "stats"), "flowtap -w's first stats record");
        const server = "import http.server as h, socket\n" +
            "h.SimpleHTTPRequestHandler.protocol_version = 'HTTP/1.1'\n" +
            "class S(h.ThreadingHTTPServer): address_family = socket.AF_INET6\n" +
            "S(('::', 8080), h.SimpleHTTPRequestHandler).serve_forever()\n";
        child(NS_B, ["python3", "-c", server], { cwd: www, raw: true });
        // The server listens before the first curl: curl given several URLs goes
        // on past a refused one and exits with the last one's status, so a
        // request sent early would be lost from the count without a failure.
        // No probe request either: every request on the wire is counted below.
        for (let i = 0; ; i++) {
            const r = spawnSync("ip", ["netns", "exec", NS_B, "ss", "-Hltn", "sport = :8080"], { encoding: "utf8", env: plainEnv(), timeout: 30000 });
            if (r.status === 0 && r.stdout.trim() !== "") break;
            if (i === 200) throw new Error("the HTTP server in " + NS_B + " is not listening on :8080: " + r.stderr);
            spawnSync("sleep", ["0.05"], { env: plainEnv() });
        }
        // --fail-early: a refused transfer fails the whole call, which is retried.
        const curl = (...a) => {
            for (let i = 0; i < 50; i++) {
                const r = spawnSync("ip", ["netns", "exec", NS_A, "curl", "-s", "-g", "--fail-early", "-o", "/dev/null", ...a], { encoding: "utf8", env: plainEnv(), timeout: 30000 });
                if (r.status === 0) return;
                spawnSync("sleep", ["0.1"], { env: plainEnv() });
            }
            throw new Error("curl failed: " + a.join(" "));
        };
        // Keep-alive: several requests on one connection, a 404, HEAD, a POST (501), IPv6.
        curl("http://10.200.0.2:8080/f0", "-o", "/dev/null", "http://10.200.0.2:8080/f1k", "-o", "/dev/null",
            "http://10.200.0.2:8080/big", "-o", "/dev/null", "http://10.200.0.2:8080/missing");
        curl("-I", "http://10.200.0.2:8080/f1k");
        curl("-d", "x=1&y=2", "http://10.200.0.2:8080/f0");
        curl("http://[fd00:200::2]:8080/big", "-o", "/dev/null", "http://[fd00:200::2]:8080/f1k");
        spawnSync("sleep", ["0.5"], { env: plainEnv() }); // the last ACKs and FINs reach the capture
        cap.kill("SIGINT");
        await bounded(cap.exited, 20000, "flowtap -w exits on SIGINT");
        const { BUILD } = require("./helpers");
        const cOut = spawnSync(path.join(BUILD, "http_trace"), ["-r", pcapFile, "--no-color", "-W", "1"],
            { encoding: "utf8", env: Object.assign(plainEnv(), { TZ: "UTC" }), timeout: 60000 });
        const jsOut = spawnSync(process.execPath, [path.join(__dirname, "..", "examples", "http_trace.js"), "-r", pcapFile, "--no-color"],
            { encoding: "utf8", env: Object.assign({}, process.env, { TZ: "UTC" }), timeout: 60000 });
        assert.strictEqual(cOut.status, 0, `${BUILD}/http_trace: ${cOut.error || cOut.stderr}`);
        assert.strictEqual(jsOut.status, 0, `http_trace.js: ${jsOut.error || jsOut.stderr}`);
        const lines = (o) => o.stdout.split("\n").filter(Boolean).sort();
        const c = lines(cOut), js = lines(jsOut);
        const capStats = cap.lines.filter((x) => x.type === "stats").pop();
        assert.ok(c.filter((l) => l.includes(" request: ")).length === 8, "the C tool saw the requests:\n" + c.join("\n") +
            "\nflowtap -w's last stats record: " + JSON.stringify(capStats));
        assert.ok(c.some((l) => l.includes("response: 404")) && c.some((l) => l.includes("(HEAD /f1k)")));
        assert.ok(c.some((l) => l.includes("[fd00:200::1]")));
        assert.deepStrictEqual(js, c);
    });

    // 4000 UDP flows stay open until the capture ends; their records then
    // come at once, ~2.6 x what the child's 256 KiB queue (the addon's
    // smallest) holds. A live
    // capture drops what JavaScript cannot take while it captures, but once
    // it has ended nothing is left to protect: every record arrives.
    const finalFlush = async (mode, end) => {
        const cap = child(NS_B, [node, childJs, IF_B, mode]);
        await until(cap, (l) => l.some((x) => x.kind === "ready"), "ready");
        const send = "import socket\n" +
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n" +
            "for i in range(4000): s.sendto(b'x' * 100, ('10.200.0.2', 20000 + i))\n";
        const r = spawnSync("ip", ["netns", "exec", NS_A, "python3", "-c", send], { encoding: "utf8", env: plainEnv(), timeout: 30000 });
        assert.strictEqual(r.status, 0, r.stderr);
        await end(cap);
        const fin = await until(cap, (l) => l.find((x) => x.kind === "end"), "the Pipeline's end");
        assert.strictEqual(fin.stats.packets, 4000, JSON.stringify(fin.stats));
        assert.strictEqual(fin.stats.js_drop, 0, JSON.stringify(fin.stats));
        assert.strictEqual(fin.flows, 4000, "a flow record for every UDP flow");
        assert.strictEqual(fin.stats.ps_drop, 0);
        const ex = await bounded(cap.exited, 20000, "exit after the end");
        assert.deepStrictEqual(ex, { code: 0, sig: null }, cap.stderrText);
    };

    await t.test("stop() on a live Pipeline delivers every flow record of the final flush", () =>
        finalFlush("flush", async (cap) => {
            const poll = setInterval(() => cap.stdin.write("count\n"), 50);
            try {
                await until(cap, (l) => l.some((x) => x.kind === "count" && x.packets >= 4000), "4000 datagrams on the worker");
            } finally {
                clearInterval(poll);
            }
            cap.stdin.write("stop\n");
        }));

    // The same without stop(): the capture ends by itself at its 4000th frame.
    await t.test("a live Pipeline that ends by itself (count) delivers every flow record of the final flush", () =>
        finalFlush("flush-count", async () => {}));

    await t.test("close() on a quiet interface returns and the process exits", async () => {
        const cap = child(NS_A, [node, childJs, IF_A, "quiet"]);
        await until(cap, (l) => l.some((x) => x.kind === "ready"), "ready");
        cap.stdin.write("close\n");
        await until(cap, (l) => l.some((x) => x.kind === "closed"), "close() returned");
        const ex = await bounded(cap.exited, 20000, "exit after close() on a quiet interface");
        assert.deepStrictEqual(ex, { code: 0, sig: null }, cap.stderrText);
        assert.ok(!cap.lines.some((x) => x.kind === "unexpected packet"));
    });
});
