/**
 * Bundles the server with esbuild into `dist/server.mjs` plus chunks for what is loaded lazily (the SSM client): no
 * node_modules at run time, and a faster cold start. The Dockerfile runs this (`npm run build`) and copies `dist/`.
 */
import { build } from "esbuild";

await build({
  entryPoints: ["server/main.ts"],
  outdir: "dist",
  entryNames: "server",
  chunkNames: "chunks/[name]-[hash]",
  outExtension: { ".js": ".mjs" },
  splitting: true,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  minify: true,
  sourcemap: "linked",
  legalComments: "linked",
  logLevel: "warning",
  // CommonJS dependencies (express and friends) call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
