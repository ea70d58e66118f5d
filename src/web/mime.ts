/** Content types by extension; text types get `charset=utf-8` (docs/hosting.md). */
const types: Record<string, string> = {
  html: "text/html",
  htm: "text/html",
  css: "text/css",
  js: "text/javascript",
  mjs: "text/javascript",
  json: "application/json",
  map: "application/json",
  webmanifest: "application/manifest+json",
  txt: "text/plain",
  md: "text/markdown",
  csv: "text/csv",
  xml: "application/xml",
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
  ico: "image/x-icon",
  woff: "font/woff",
  woff2: "font/woff2",
  ttf: "font/ttf",
  otf: "font/otf",
  wasm: "application/wasm",
  pdf: "application/pdf",
  zip: "application/zip",
  mp3: "audio/mpeg",
  mp4: "video/mp4",
  webm: "video/webm",
  ogg: "audio/ogg",
  wav: "audio/wav",
};

const TEXTUAL = /^(text\/|application\/(json|xml|manifest\+json|javascript)|image\/svg\+xml)/;

export function mimeOf(path: string): string {
  const dot = path.lastIndexOf(".");
  const ext = dot >= 0 ? path.slice(dot + 1).toLowerCase() : "";
  const type = types[ext] ?? "application/octet-stream";
  return TEXTUAL.test(type) ? `${type}; charset=utf-8` : type;
}

/** Worth compressing at deploy: text-like types and a few binary formats that shrink well. */
export function isCompressible(mime: string): boolean {
  return TEXTUAL.test(mime) || mime.startsWith("application/wasm") || mime === "image/x-icon";
}
