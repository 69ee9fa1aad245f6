// Entry point of the policy pack (package.json "main"). The Pulumi CLI runs a Node.js policy pack with
// @pulumi/pulumi/cmd/run-policy-pack, which require()s this directory after registering ts-node for CommonJS
// TypeScript. The pack's TypeScript is ESM (the project is "type": "module", NodeNext), so this file loads it with
// tsx's ESM loader instead; run-policy-pack awaits the returned promise. tsImport: https://tsx.is/dev-api/ts-import
"use strict";
const { tsImport } = require("tsx/esm/api");

module.exports = tsImport("./index.ts", __filename);
