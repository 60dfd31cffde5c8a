// helpers.js - what the tests share: the programs of the CMake build (FTGEN,
// FLOWTAP from the environment as ctest sets them, else ../../build), a
// temporary folder removed at exit, captures generated with their truth.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { execFileSync } = require("child_process");

const BUILD = process.env.FT_BUILD_DIR || path.join(__dirname, "..", "..", "build");
const FTGEN = process.env.FTGEN || path.join(BUILD, "ftgen");
const FLOWTAP = process.env.FLOWTAP || path.join(BUILD, "flowtap");
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "flowtap-node-"));
process.on("exit", () => fs.rmSync(TMP, { recursive: true, force: true }));

// The environment for programs other than node: without LD_PRELOAD (under
// an ASan build tests/e2e_node.sh preloads the ASan runtime for node only;
// in curl or python it can deadlock).
function plainEnv() {
    const e = Object.assign({}, process.env);
    delete e.LD_PRELOAD;
    return e;
}

// ftgen --profile flows with these options; returns {pcap, truth}.
function gen(name, args) {
    const pcap = path.join(TMP, name + ".pcap");
    const truth = path.join(TMP, name + ".json");
    execFileSync(FTGEN, ["--profile", "flows", "-o", pcap, "--truth", truth, ...args], { stdio: "ignore", env: plainEnv() });
    return { pcap, truth: JSON.parse(fs.readFileSync(truth, "utf8")) };
}

// The CLI's JSON lines of one type.
function cliRecords(args, type) {
    const out = execFileSync(FLOWTAP, [...args, "--json", "--stats-interval", "0"], {
        encoding: "utf8", maxBuffer: 1 << 30, stdio: ["ignore", "pipe", "ignore"], env: plainEnv(),
    });
    return out.split("\n").filter(Boolean).map((l) => JSON.parse(l)).filter((r) => r.type === type);
}

// 64-bit FNV-1a, as ftgen's truth writes it (hex).
function fnv1a(bufs) {
    let h = 0xcbf29ce484222325n;
    const p = 0x100000001b3n, m = (1n << 64n) - 1n;
    for (const b of bufs) for (const x of b) h = ((h ^ BigInt(x)) * p) & m;
    return h.toString(16).padStart(16, "0");
}

function isRoot() {
    return typeof process.getuid === "function" && process.getuid() === 0;
}

module.exports = { BUILD, FTGEN, FLOWTAP, TMP, gen, cliRecords, fnv1a, isRoot, plainEnv };
