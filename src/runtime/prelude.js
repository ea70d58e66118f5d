// Runs inside each app's QuickJS context before the app's code: the web
// globals SPEC §8 promises, and `fazt`, built on one host function
// `__host(op, json) → json`. Nothing of the host is reachable otherwise.
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

  // --- URLSearchParams, URL, Headers ----------------------------------------
  function decode(s) {
    try {
      return decodeURIComponent(s.replace(/\+/g, " "));
    } catch (e) {
      return s;
    }
  }
  // Shared by URLSearchParams and FormData: both keep `_list` of [key, value] pairs.
  function listGet(k) {
    for (var i = 0; i < this._list.length; i++) if (this._list[i][0] === k) return this._list[i][1];
    return null;
  }
  function listGetAll(k) {
    return this._list.filter((p) => p[0] === k).map((p) => p[1]);
  }
  function listHas(k) {
    return this.get(k) !== null;
  }
  function URLSearchParams(init) {
    this._list = [];
    if (init == null) return;
    if (typeof init === "string") {
      init
        .replace(/^\?/, "")
        .split("&")
        .forEach(function (pair) {
          if (!pair) return;
          var eq = pair.indexOf("=");
          this._list.push(
            eq < 0 ? [decode(pair), ""] : [decode(pair.slice(0, eq)), decode(pair.slice(eq + 1))],
          );
        }, this);
    } else if (Array.isArray(init))
      init.forEach(function (p) {
        this._list.push([String(p[0]), String(p[1])]);
      }, this);
    else
      Object.keys(init).forEach(function (k) {
        this._list.push([k, String(init[k])]);
      }, this);
  }
  URLSearchParams.prototype = {
    get: listGet,
    getAll: listGetAll,
    has: listHas,
    set: function (k, v) {
      this.delete(k);
      this._list.push([k, String(v)]);
    },
    append: function (k, v) {
      this._list.push([k, String(v)]);
    },
    delete: function (k) {
      this._list = this._list.filter((p) => p[0] !== k);
    },
    forEach: function (fn, self) {
      this._list.forEach(function (p) {
        fn.call(self, p[1], p[0], this);
      }, this);
    },
    entries: function () {
      return this._list.map((p) => [p[0], p[1]])[Symbol.iterator]();
    },
    keys: function () {
      return this._list.map((p) => p[0])[Symbol.iterator]();
    },
    values: function () {
      return this._list.map((p) => p[1])[Symbol.iterator]();
    },
    toString: function () {
      return this._list.map((p) => encodeURIComponent(p[0]) + "=" + encodeURIComponent(p[1])).join("&");
    },
  };
  URLSearchParams.prototype[Symbol.iterator] = URLSearchParams.prototype.entries;
  g.URLSearchParams = URLSearchParams;

  var ABS = /^([a-zA-Z][a-zA-Z0-9+.-]*:)\/\/([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/;
  function URL(input, base) {
    input = String(input);
    var m = ABS.exec(input);
    if (!m && base !== undefined) {
      var b = new URL(base);
      if (input.charAt(0) === "/") m = ABS.exec(b.protocol + "//" + b.host + input);
      else if (input.charAt(0) === "?") m = ABS.exec(b.protocol + "//" + b.host + b.pathname + input);
      else m = ABS.exec(b.protocol + "//" + b.host + b.pathname.replace(/[^/]*$/, "") + input);
    }
    if (!m) throw new TypeError("Invalid URL: " + input);
    this.protocol = m[1].toLowerCase();
    this.host = m[2].toLowerCase();
    var colon = this.host.lastIndexOf(":");
    this.hostname = colon > 0 && this.host.indexOf("]") < colon ? this.host.slice(0, colon) : this.host;
    this.port = colon > 0 && this.host.indexOf("]") < colon ? this.host.slice(colon + 1) : "";
    this.pathname = m[3] || "/";
    this.search = m[4] && m[4] !== "?" ? m[4] : "";
    this.hash = m[5] || "";
    this.searchParams = new URLSearchParams(this.search);
    this.origin = this.protocol + "//" + this.host;
  }
  Object.defineProperty(URL.prototype, "href", {
    get: function () {
      var q = this.searchParams.toString();
      return this.origin + this.pathname + (q ? "?" + q : "") + this.hash;
    },
  });
  URL.prototype.toString = function () {
    return this.href;
  };
  URL.prototype.toJSON = URL.prototype.toString;
  g.URL = URL;

  function Headers(init) {
    this._map = {};
    if (init == null) return;
    if (init instanceof Headers)
      init.forEach(function (v, k) {
        this.set(k, v);
      }, this);
    else if (Array.isArray(init))
      init.forEach(function (p) {
        this.append(p[0], p[1]);
      }, this);
    else
      Object.keys(init).forEach(function (k) {
        this.set(k, init[k]);
      }, this);
  }
  Headers.prototype = {
    get: function (k) {
      var v = this._map[String(k).toLowerCase()];
      return v === undefined ? null : v;
    },
    set: function (k, v) {
      this._map[String(k).toLowerCase()] = String(v);
    },
    append: function (k, v) {
      k = String(k).toLowerCase();
      this._map[k] = this._map[k] === undefined ? String(v) : this._map[k] + ", " + v;
    },
    has: function (k) {
      return String(k).toLowerCase() in this._map;
    },
    delete: function (k) {
      delete this._map[String(k).toLowerCase()];
    },
    forEach: function (fn, self) {
      Object.keys(this._map).forEach(function (k) {
        fn.call(self, this._map[k], k, this);
      }, this);
    },
    entries: function () {
      var m = this._map;
      return Object.keys(m)
        .map((k) => [k, m[k]])
        [Symbol.iterator]();
    },
    keys: function () {
      return Object.keys(this._map)[Symbol.iterator]();
    },
  };
  Headers.prototype[Symbol.iterator] = Headers.prototype.entries;
  g.Headers = Headers;

  // --- Request, Response ------------------------------------------------------
  function Body() {}
  Body.prototype.text = function () {
    return Promise.resolve(utf8Decode(this._bytes));
  };
  Body.prototype.json = function () {
    return Promise.resolve().then(() => JSON.parse(utf8Decode(this._bytes)));
  };
  Body.prototype.arrayBuffer = function () {
    var b = this._bytes;
    return Promise.resolve(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  };
  Body.prototype.bytes = function () {
    return Promise.resolve(new Uint8Array(this._bytes));
  };

  function Request(input, init) {
    init = init || {};
    this.url = String(input);
    this.method = (init.method || "GET").toUpperCase();
    this.headers = new Headers(init.headers);
    this._bytes = init.body == null ? new Uint8Array(0) : asBytes(init.body);
    this._form = init._form;
  }
  Request.prototype = Object.create(Body.prototype);
  Request.prototype.formData = function () {
    var form = this._form || {};
    var fd = new FormData();
    Object.keys(form.fields || {}).forEach((k) => {
      fd.append(k, form.fields[k]);
    });
    (form.files || []).forEach((f) => {
      fd.append(f.field, f);
    });
    return Promise.resolve(fd);
  };
  g.Request = Request;

  function FormData() {
    this._list = [];
  }
  FormData.prototype = {
    append: function (k, v) {
      this._list.push([k, v]);
    },
    get: listGet,
    getAll: listGetAll,
    has: listHas,
    entries: function () {
      return this._list.slice()[Symbol.iterator]();
    },
  };
  FormData.prototype[Symbol.iterator] = FormData.prototype.entries;
  g.FormData = FormData;

  function Response(body, init) {
    init = init || {};
    this.status = init.status === undefined ? 200 : init.status | 0;
    this.statusText = init.statusText || "";
    this.headers = new Headers(init.headers);
    this.ok = this.status >= 200 && this.status < 300;
    if (body == null) this._bytes = new Uint8Array(0);
    else if (typeof body === "string") {
      if (!this.headers.has("content-type")) this.headers.set("content-type", "text/plain; charset=utf-8");
      // Kept as text: encoded only if the app reads the bytes back.
      this._text = body;
    } else this._bytes = asBytes(body);
  }
  Response.prototype = Object.create(Body.prototype);
  Object.defineProperty(Response.prototype, "_bytes", {
    get: function () {
      if (this.__bytes === undefined) this.__bytes = utf8Encode(this._text === undefined ? "" : this._text);
      return this.__bytes;
    },
    set: function (v) {
      this.__bytes = v;
    },
  });
  Response.json = (data, init) => {
    var r = new Response(JSON.stringify(data), init);
    r.headers.set("content-type", "application/json; charset=utf-8");
    return r;
  };
  Response.redirect = (url, status) =>
    new Response(null, { status: status || 302, headers: { location: String(url) } });
  g.Response = Response;

  // --- what the host calls ----------------------------------------------------
  // A handler's result as the wire form the host reads back: text bodies travel
  // as text (no base64 round trip), bytes as base64.
  function wire(status, headers, value) {
    if (typeof value === "string") return JSON.stringify({ status: status, headers: headers, text: value });
    return JSON.stringify({ status: status, headers: headers, body: toB64(value) });
  }
  g.__toWire = (value) => {
    if (value instanceof Response) {
      var h = {};
      value.headers.forEach((v, k) => {
        h[k] = v;
      });
      return wire(value.status, h, value._text !== undefined ? value._text : value._bytes);
    }
    if (value === undefined || value === null) return JSON.stringify({ status: 204, headers: {}, text: "" });
    if (typeof value === "string") return wire(200, { "content-type": "text/plain; charset=utf-8" }, value);
    return wire(200, { "content-type": "application/json; charset=utf-8" }, JSON.stringify(value));
  };
  // One crossing per request (module style): build the Request, call the handler, return the
  // wire form — or a promise of it.
  g.__dispatch = (json) => {
    var m = JSON.parse(json);
    var req = new Request(m.url, {
      method: m.method,
      headers: m.headers,
      body: m.body ? fromB64(m.body) : null,
      _form: m.form,
    });
    var h = g.__handler;
    var out = typeof h === "function" ? h(req, m.ctx) : h.fetch(req, m.ctx);
    if (out && typeof out.then === "function") return out.then(g.__toWire);
    return g.__toWire(out);
  };
  // The same for classic style: set `request`, run the script, read `respond` or the completion value.
  g.__classic = (json, code) => {
    g.__classicBegin(json);
    var out = (0, eval)(code);
    if (out && typeof out.then === "function") return out.then(g.__classicEnd);
    return g.__classicEnd(out);
  };
  g.__errorWire = (e) => {
    var isErr = e instanceof Error;
    return JSON.stringify({
      name: isErr ? e.name : typeof e,
      message: isErr ? e.message : String(e),
      stack: isErr ? e.stack || "" : "",
      status: isErr && e.__faztStatus ? e.__faztStatus : 0,
      code: isErr && e.code ? String(e.code) : "",
    });
  };
  g.__makeCtx = (json) => JSON.parse(json);
  g.__classicRun = (code) => (0, eval)(code);
  g.__makeRequest = (json) => {
    var r = JSON.parse(json);
    return new Request(r.url, { method: r.method, headers: r.headers, body: fromB64(r.body), _form: r.form });
  };

  // --- fazt -------------------------------------------------------------------
  function wrapBlob(v) {
    return v && v.data !== undefined
      ? { data: fromB64(v.data), mime: v.mime, size: v.size, hash: v.hash }
      : null;
  }
  function storage(scope) {
    var k = (op) =>
      function () {
        return call(op, { scope: scope, args: Array.prototype.slice.call(arguments) });
      };
    return {
      kv: { set: k("kv.set"), get: k("kv.get"), delete: k("kv.delete"), list: k("kv.list") },
      ds: {
        insert: k("ds.insert"),
        find: k("ds.find"),
        findOne: k("ds.findOne"),
        update: k("ds.update"),
        delete: k("ds.delete"),
        count: k("ds.count"),
      },
      s3: {
        put: (path, data, mime) => call("s3.put", { scope: scope, args: [path, toB64(asBytes(data)), mime] }),
        get: (path) => wrapBlob(call("s3.get", { scope: scope, args: [path] })),
        delete: k("s3.delete"),
        list: k("s3.list"),
      },
    };
  }
  var info = call("info");
  var appStore = storage("app");
  var fazt = {
    version: info.version,
    app: {
      id: info.app.id,
      name: info.app.name,
      kv: appStore.kv,
      ds: appStore.ds,
      s3: appStore.s3,
      user: storage("user"),
    },
    env: {
      get: (key, fallback) => {
        var v = call("env.get", key);
        return v === undefined ? fallback : v;
      },
    },
    private: {
      read: (path) => call("private.read", path),
      readJSON: (path) => {
        var t = call("private.read", path);
        return t === undefined || t === null ? null : JSON.parse(t);
      },
      exists: (path) => call("private.exists", path),
      list: () => call("private.list"),
    },
    auth: {
      getUser: () => call("auth.user") || null,
      isLoggedIn: () => !!call("auth.user"),
      isOwner: () => {
        var u = call("auth.user");
        return !!u && u.role === "owner";
      },
      isAdmin: () => {
        var u = call("auth.user");
        return !!u && (u.role === "owner" || u.role === "admin");
      },
      hasRole: (r) => {
        var u = call("auth.user");
        return (
          !!u && (u.role === r || u.role === "owner" || r === "user" || (r === "admin" && u.role === "admin"))
        );
      },
      requireLogin: () => {
        var u = call("auth.user");
        if (!u) {
          var e = new Error("sign in required");
          e.__faztStatus = 401;
          throw e;
        }
        return u;
      },
      requireRole: (r) => {
        var u = fazt.auth.requireLogin();
        if (!fazt.auth.hasRole(r)) {
          var e = new Error("this needs the role " + r);
          e.__faztStatus = 403;
          throw e;
        }
        return u;
      },
      requireAdmin: () => fazt.auth.requireRole("admin"),
      requireOwner: () => fazt.auth.requireRole("owner"),
      getLoginURL: (redirect) =>
        "/auth/login" + (redirect ? "?redirect=" + encodeURIComponent(redirect) : ""),
      getLogoutURL: () => "/auth/logout",
    },
  };
  fazt.storage = { kv: appStore.kv, ds: appStore.ds, s3: appStore.s3, user: fazt.app.user };
  g.fazt = fazt;

  // --- classic style ----------------------------------------------------------
  var responded;
  function Responded(status, body, headers) {
    this.status = status;
    this.body = body;
    this.headers = headers || {};
  }
  g.respond = (a, b, c) => {
    var r = typeof a === "number" ? new Responded(a, b, c) : new Responded(200, a, b);
    responded = r;
    return r;
  };
  g.__classicBegin = (json) => {
    responded = undefined;
    g.request = JSON.parse(json);
    if (g.request.files)
      g.request.files = g.request.files.map((f) => ({
        name: f.name,
        type: f.type,
        size: f.size,
        data: fromB64(f.data),
        field: f.field,
      }));
  };
  g.__classicEnd = (completion) => {
    var r = responded || (completion instanceof Responded ? completion : undefined);
    if (!r) return g.__toWire(completion);
    var headers = {};
    Object.keys(r.headers).forEach((k) => {
      headers[k.toLowerCase()] = String(r.headers[k]);
    });
    if (r.body === undefined || r.body === null) return JSON.stringify({ status: r.status, headers: headers, text: "" });
    if (typeof r.body === "string") {
      if (!headers["content-type"]) headers["content-type"] = "text/plain; charset=utf-8";
      return wire(r.status, headers, r.body);
    }
    if (r.body instanceof Uint8Array) return wire(r.status, headers, r.body);
    if (!headers["content-type"]) headers["content-type"] = "application/json; charset=utf-8";
    return wire(r.status, headers, JSON.stringify(r.body));
  };
  // require() of the app's own api/ files, CommonJS style.
  var modules = {};
  g.__makeRequire = (from) =>
    function require(name) {
      var path = call("resolve", { from: from, name: String(name) });
      if (modules[path]) return modules[path].exports;
      var module = { exports: {} };
      modules[path] = module;
      var fn = new Function("module", "exports", "require", call("source", path));
      fn(module, module.exports, g.__makeRequire(path));
      return module.exports;
    };
  g.require = g.__makeRequire("api/main.js");
})(globalThis);
