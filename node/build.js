#!/usr/bin/env node
// build.js - compile the addon (src/addon.cc) against the flowtap library of a
// CMake build tree, with the C++ compiler and pkg-config; no node-gyp, no
// network, no dependency install scripts.
//
//   node build.js [--build-dir DIR] [--out FILE]
//
// DIR: the flowtap CMake build tree (FLOWTAP_BUILD_DIR, default ../build); it
// must hold libflowtap.a (built with -fPIC, as CMakeLists.txt does).
// FILE: where the addon goes (FLOWTAP_ADDON, default build/Release/flowtap.node).
// Headers: node's from the running node's prefix or /usr/include/node (what
// Debian's libnode-dev / nodejs ship); node-addon-api from node_modules or
// Debian's node-addon-api package (/usr/share/nodejs/node-addon-api); or
// FLOWTAP_NAPI_INCLUDE (a folder holding napi.h).
// FLOWTAP_SANITIZE=address,undefined builds with those sanitizers; CXX and
// FLOWTAP_CXXFLAGS (e.g. -shared-libasan for clang) are honoured.
"use strict";
const fs = require("fs");
const path = require("path");
const { execFileSync } = require("child_process");

function arg(name, env, def) {
    const i = process.argv.indexOf(name);
    if (i > 0 && process.argv[i + 1]) return process.argv[i + 1];
    return process.env[env] || def;
}
function die(msg) {
    console.error("flowtap build.js: " + msg);
    process.exit(1);
}

const here = __dirname;
const buildDir = path.resolve(arg("--build-dir", "FLOWTAP_BUILD_DIR", path.join(here, "..", "build")));
const out = path.resolve(arg("--out", "FLOWTAP_ADDON", path.join(here, "build", "Release", "flowtap.node")));
const lib = path.join(buildDir, "libflowtap.a");
if (!fs.existsSync(lib))
    die(`${lib} not found: build flowtap first (make build, or cmake -S .. -B ../build && cmake --build ../build), or set FLOWTAP_BUILD_DIR`);

const nodeInc = [path.join(path.dirname(process.execPath), "..", "include", "node"), "/usr/include/node"]
    .find((d) => fs.existsSync(path.join(d, "node_api.h")));
if (!nodeInc) die("node_api.h not found (install Debian's libnode-dev or nodejs headers)");

let napiInc = null;
for (const cand of [
    () => process.env.FLOWTAP_NAPI_INCLUDE || "",
    () => path.dirname(require.resolve("node-addon-api/napi.h", { paths: [here] })),
    () => "/usr/share/nodejs/node-addon-api",
    () => "/usr/include/node-addon-api",
]) {
    try {
        const d = cand();
        if (fs.existsSync(path.join(d, "napi.h"))) { napiInc = d; break; }
    } catch (e) { /* next */ }
}
if (!napiInc) die("node-addon-api not found: npm install --ignore-scripts, or apt-get install node-addon-api");

function pkg(args) {
    try {
        return execFileSync("pkg-config", args, { encoding: "utf8" }).trim().split(/\s+/).filter(Boolean);
    } catch (e) {
        die("pkg-config " + args.join(" ") + " failed: " + e.message);
    }
}
const mods = ["libpcap", "ck", "liburcu-qsbr", "liburcu-cds", "zlib", "libzstd"];
const san = process.env.FLOWTAP_SANITIZE ? ["-fsanitize=" + process.env.FLOWTAP_SANITIZE, "-fno-omit-frame-pointer"] : [];
const extra = (process.env.FLOWTAP_CXXFLAGS || "").split(/\s+/).filter(Boolean);
const cxx = process.env.CXX || "c++";
const argv = [
    "-std=c++17", "-O2", "-g", "-fPIC", "-shared", "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter",
    "-fvisibility=hidden", "-DNAPI_VERSION=8", "-DNODE_ADDON_API_DISABLE_DEPRECATED",
    "-DNAPI_CPP_EXCEPTIONS", "-DNODE_ADDON_API_CPP_EXCEPTIONS", "-fexceptions",
    "-isystem", nodeInc, "-isystem", napiInc, "-I", path.join(here, "..", "include"),
    ...pkg(["--cflags", ...mods]), ...san, ...extra,
    path.join(here, "src", "addon.cc"), "-o", out + ".tmp",
    lib, ...pkg(["--libs", ...mods]), "-lpthread",
];
fs.mkdirSync(path.dirname(out), { recursive: true });
try {
    execFileSync(cxx, argv, { stdio: "inherit" });
} catch (e) {
    die(`${cxx} failed (${e.status})`);
}
fs.renameSync(out + ".tmp", out);
console.log("flowtap build.js: built " + out + " against " + lib);
