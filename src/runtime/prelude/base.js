// The first part of the prelude, evaluated in each app's QuickJS context
// before the app's code: the one host function `__host(op, json) → json`
// taken off the global, bytes and text, crypto, timers, console. It hands
// its helpers to the next parts on `__prelude`, which the last part removes.
((g) => {
  var host = g.__host;
  delete g.__host;
  var call = (op, args) => {
    var out = JSON.parse(host(op, JSON.stringify(args === undefined ? null : args)));
    if (out && out.__error) {
      var e = new Error(out.__error.message);
      e.name = out.__error.name || "Error";
      if (out.__error.status) e.__faztStatus = out.__error.status;
      if (out.__error.code) e.code = out.__error.code;
      throw e;
    }
    return out === null ? undefined : out.v;
  };

  // --- bytes, base64, text ---------------------------------------------------
  var B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  function toB64(bytes) {
    var s = "",
      i;
    for (i = 0; i + 2 < bytes.length; i += 3) {
      var n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
      s += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63];
    }
    if (i < bytes.length) {
      var m = (bytes[i] << 16) | ((i + 1 < bytes.length ? bytes[i + 1] : 0) << 8);
      s += B64[m >> 18] + B64[(m >> 12) & 63] + (i + 1 < bytes.length ? B64[(m >> 6) & 63] : "=") + "=";
    }
    return s;
  }
  function fromB64(s) {
    s = String(s).replace(/[^A-Za-z0-9+/]/g, "");
    var out = new Uint8Array(Math.floor((s.length * 3) / 4)),
      o = 0,
      buf = 0,
      bits = 0;
    for (var i = 0; i < s.length; i++) {
      buf = (buf << 6) | B64.indexOf(s[i]);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out[o++] = (buf >> bits) & 255;
      }
    }
    return out.subarray(0, o);
  }
  function utf8Encode(str) {
    str = String(str);
    var out = [],
      i,
      c;
    for (i = 0; i < str.length; i++) {
      c = str.charCodeAt(i);
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < str.length) {
        var d = str.charCodeAt(i + 1);
        if (d >= 0xdc00 && d < 0xe000) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
        } else c = 0xfffd;
      } else if (c >= 0xd800 && c < 0xe000) c = 0xfffd;
      if (c < 0x80) out.push(c);
      else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return new Uint8Array(out);
  }
  function utf8Decode(bytes) {
    var s = "",
      i = 0,
      c;
    while (i < bytes.length) {
      c = bytes[i++];
      if (c >= 0xf0 && i + 2 < bytes.length + 0) {
        c = ((c & 7) << 18) | ((bytes[i++] & 63) << 12) | ((bytes[i++] & 63) << 6) | (bytes[i++] & 63);
      } else if (c >= 0xe0) {
        c = ((c & 15) << 12) | ((bytes[i++] & 63) << 6) | (bytes[i++] & 63);
      } else if (c >= 0xc0) {
        c = ((c & 31) << 6) | (bytes[i++] & 63);
      }
      s += String.fromCodePoint(c);
    }
    return s;
  }
  function asBytes(data) {
    if (data instanceof Uint8Array) return data;
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return utf8Encode(data);
  }
  g.TextEncoder = function TextEncoder() {};
  g.TextEncoder.prototype.encode = (s) => utf8Encode(s === undefined ? "" : s);
  g.TextDecoder = function TextDecoder() {};
  g.TextDecoder.prototype.decode = (b) => (b === undefined ? "" : utf8Decode(asBytes(b)));
  g.btoa = (s) => {
    s = String(s);
    var b = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) {
      if (s.charCodeAt(i) > 255) throw new Error("btoa: characters outside Latin-1");
      b[i] = s.charCodeAt(i);
    }
    return toB64(b);
  };
  g.atob = (s) => {
    var b = fromB64(s),
      out = "";
    for (var i = 0; i < b.length; i++) out += String.fromCharCode(b[i]);
    return out;
  };

  // --- crypto, structuredClone, timers --------------------------------------
  g.crypto = {
    randomUUID: () => call("uuid"),
    getRandomValues: (arr) => {
      var bytes = fromB64(call("random", arr.byteLength));
      new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength).set(bytes);
      return arr;
    },
  };
  g.structuredClone = (v) => {
    if (v === undefined) return undefined;
    if (v instanceof Uint8Array) return new Uint8Array(v);
    return JSON.parse(JSON.stringify(v));
  };
  var timersNoted = false;
  var timers = [],
    nextTimer = 1;
  g.setTimeout = function (fn, ms) {
    if (!timersNoted) {
      timersNoted = true;
      call("timers");
    }
    var id = nextTimer++;
    timers.push({
      id: id,
      at: Date.now() + Math.max(0, Number(ms) || 0),
      fn: fn,
      args: Array.prototype.slice.call(arguments, 2),
    });
    return id;
  };
  g.clearTimeout = (id) => {
    timers = timers.filter((t) => t.id !== id);
  };
  // The host calls this between job runs: the delay until the next timer (or -1), running due ones.
  g.__runTimers = () => {
    var now = Date.now();
    timers.sort((a, b) => a.at - b.at);
    while (timers.length && timers[0].at <= now) {
      var t = timers.shift();
      t.fn.apply(undefined, t.args);
    }
    return timers.length ? Math.max(0, timers[0].at - Date.now()) : -1;
  };
  g.__clearTimers = () => {
    timers = [];
    timersNoted = false;
  };

  // --- console ---------------------------------------------------------------
  function fmt(args) {
    return Array.prototype.map
      .call(args, (a) => {
        if (typeof a === "string") return a;
        if (a instanceof Error)
          return a.stack ? a.name + ": " + a.message + "\n" + a.stack : a.name + ": " + a.message;
        try {
          return JSON.stringify(a);
        } catch (e) {
          return String(a);
        }
      })
      .join(" ");
  }
  g.console = {};
  ["log", "info", "warn", "error", "debug"].forEach((level) => {
    g.console[level] = function () {
      call("log", { level: level === "log" ? "info" : level, message: fmt(arguments) });
    };
  });
  g.__prelude = {
    call: call,
    toB64: toB64,
    fromB64: fromB64,
    utf8Encode: utf8Encode,
    utf8Decode: utf8Decode,
    asBytes: asBytes,
  };
})(globalThis);
