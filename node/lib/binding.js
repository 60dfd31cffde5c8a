// binding.js - loads the native addon: FLOWTAP_ADDON if set (the tests build it
// into the CMake build tree), else build/Release/flowtap.node (npm install).
"use strict";
const path = require("path");

const file = process.env.FLOWTAP_ADDON || path.join(__dirname, "..", "build", "Release", "flowtap.node");
let binding;
try {
    binding = require(file);
} catch (e) {
    e.message = `flowtap: cannot load the addon ${file} (run \`npm install\` or \`node build.js\` in node/): ${e.message}`;
    throw e;
}
module.exports = binding;
