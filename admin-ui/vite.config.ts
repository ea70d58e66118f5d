import { defineConfig } from "vite";

// The admin UI is embedded in the fazt binary: build.ts passes `.build/admin-ui`
// to `bun build --compile --asset`, and the server reads it back from there.
export default defineConfig({
  base: "/",
  build: {
    outDir: "../.build/admin-ui",
    emptyOutDir: true,
    assetsDir: "assets",
  },
});
