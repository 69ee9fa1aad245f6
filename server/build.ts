/**
 * Bundles the server into one ESM file, `dist/server.mjs`, with esbuild: no node_modules at run time, and a faster
 * cold start (fewer files to resolve). The Dockerfile runs this (`npm run build`) and copies only `dist/`.
 */
import { build } from "esbuild";

await build({
  entryPoints: ["server/main.ts"],
  outfile: "dist/server.mjs",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  minify: true,
  sourcemap: "linked",
  legalComments: "linked",
  logLevel: "warning",
  // CommonJS dependencies (express and friends) call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
