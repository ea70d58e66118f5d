import { defineConfig } from "vite";

// The admin UI is embedded in the fazt binary: build.ts passes `.build/admin-ui`
// to `bun build --compile --asset`, and the server reads it back from there.
// Preact's JSX runtime, without a plugin: Vite's own transformer does the JSX.
export default defineConfig({
  base: "/",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "../.build/admin-ui",
    emptyOutDir: true,
    assetsDir: "assets",
    // One script and one stylesheet: the whole UI is a few tens of KiB.
    modulePreload: { polyfill: false },
    target: "es2022",
  },
});
