import pkg from "../../package.json" with { type: "json" };

// build.ts defines FAZT_COMMIT when it compiles a binary; from source it is absent.
declare const FAZT_COMMIT: string | undefined;

export const VERSION: string = pkg.version;
export const COMMIT: string = typeof FAZT_COMMIT === "string" ? FAZT_COMMIT : "source";
