#!/usr/bin/env node
// A `solc` executable for forge (and for our Python tests) backed by solc-js,
// the official compiler built to WebAssembly, because no native solc can be
// downloaded on these machines. forge calls `--version` and then
// `--standard-json` with the input on stdin; nothing else is needed.
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const args = process.argv.slice(2);

if (args.includes('--version')) {
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
  process.exit(0);
}

if (!args.includes('--standard-json')) {
  process.stderr.write('solc-js adapter: only --version and --standard-json are supported\n');
  process.exit(2);
}

// Imports that forge did not inline are resolved against the base path and
// the include paths it passes, as native solc would.
function optionValues(name) {
  const values = [];
  args.forEach((arg, i) => {
    if (arg === name && args[i + 1]) values.push(args[i + 1]);
    else if (arg.startsWith(`${name}=`)) values.push(arg.slice(name.length + 1));
  });
  return values;
}
const roots = [...optionValues('--base-path'), ...optionValues('--include-path'), process.cwd()];

function findImports(importPath) {
  for (const root of roots) {
    const candidate = path.resolve(root, importPath);
    if (fs.existsSync(candidate)) return { contents: fs.readFileSync(candidate, 'utf8') };
  }
  return { error: `File not found: ${importPath}` };
}

const input = fs.readFileSync(0, 'utf8');
process.stdout.write(solc.compile(input, { import: findImports }));
