#!/usr/bin/env node
// The `monosim` command of the npm package: finds the binary that the package for this
// platform carries (`@monosim/linux-x64`, an optional dependency that npm installs only where
// its `os` and `cpu` match — the esbuild / Biome layout) and runs it with the same arguments,
// standard streams and exit status. The binary does all the work; this file only finds it.
"use strict";

const { spawn } = require("node:child_process");

// Platforms (`process.platform-process.arch`) with a prebuilt binary, and the package that
// carries it. The others are listed so the error can say they are planned, not forgotten.
const BUILT = { "linux-x64": "@monosim/linux-x64" };
const NOT_YET_BUILT = ["linux-arm64", "darwin-x64", "darwin-arm64", "win32-x64"];

function fail(message) {
  process.stderr.write(`monosim: ${message}\n`);
  process.exit(2);
}

function binary() {
  const platform = `${process.platform}-${process.arch}`;
  const pkg = BUILT[platform];
  if (!pkg) {
    const when = NOT_YET_BUILT.includes(platform) ? "not built yet" : "not supported";
    fail(
      `there is no prebuilt binary for ${platform} (${when}); the npm package runs on ` +
        `${Object.keys(BUILT).join(", ")}. Elsewhere, build monosim from source with cargo ` +
        `(see the repository's README), or run your CI job on Linux x64.`,
    );
  }
  try {
    return require.resolve(`${pkg}/bin/monosim`);
  } catch {
    fail(
      `the package ${pkg}, which carries the binary for ${platform}, is not installed. ` +
        `npm installs it with monosim as an optional dependency: reinstall without ` +
        `--omit=optional (or --no-optional), and if package-lock.json was written on another ` +
        `platform, delete node_modules and run npm install again.`,
    );
  }
}

const path = binary();
const child = spawn(path, process.argv.slice(2), { stdio: "inherit" });

// `monosim run` writes its reports and stops the receiver on SIGINT or SIGTERM, and exits at
// once on a second one. Ctrl-C in a terminal already reaches the binary (same process group),
// so forwarding SIGINT would count twice: it is only kept from killing this wrapper. SIGTERM
// and SIGHUP, as a CI runner sends them to one process, are passed on.
process.on("SIGINT", () => {});
for (const signal of ["SIGTERM", "SIGHUP"]) {
  process.on(signal, () => child.kill(signal));
}

child.on("error", (error) => fail(`cannot run ${path}: ${error.message}`));
child.on("exit", (code, signal) => {
  if (signal) {
    // Die of the same signal, so the caller sees what the binary saw.
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
    return;
  }
  process.exit(code);
});
