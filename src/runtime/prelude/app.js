// The last part of the prelude: what the host calls per request (the
// dispatchers and the wire form), the `fazt` global and classic style's
// `request`/`respond`/`require`. Removes `__prelude`: app code sees none of it.
((g) => {
  var shared = g.__prelude;
  delete g.__prelude;
  var call = shared.call,
    toB64 = shared.toB64,
    fromB64 = shared.fromB64,
    asBytes = shared.asBytes;

  // --- what the host calls ----------------------------------------------------
  // A handler's result as an answer frame (src/runtime/wire.ts, encodeAnswer): "T" or "B", the
  // status, the headers as JSON, then a text body as it is or bytes as base64.
  function wire(status, headers, value) {
    var head = String(status).replace(/\n/g, " ") + "\n" + JSON.stringify(headers) + "\n";
    return typeof value === "string" ? "T" + head + value : "B" + head + toB64(value);
  }
  var JSON_HEAD = '200\n{"content-type":"application/json; charset=utf-8"}\n';
  g.__toWire = (value) => {
    if (value instanceof Response) {
      var h = {};
      value.headers.forEach((v, k) => {
        h[k] = v;
      });
      return wire(value.status, h, value._text !== undefined ? value._text : value._bytes);
    }
    if (value === undefined || value === null) return "T204\n{}\n";
    if (typeof value === "string") return wire(200, { "content-type": "text/plain; charset=utf-8" }, value);
    var json = JSON.stringify(value);
    if (typeof json !== "string") throw new TypeError("the handler's answer cannot be sent as JSON");
    return "T" + JSON_HEAD + json;
  };
  // The env is read from the host only when the handler looks at it (then once per request).
  function withEnv(ctx) {
    Object.defineProperty(ctx, "env", {
      get: () => {
        var env = call("env.all");
        Object.defineProperty(ctx, "env", { value: env, enumerable: true, configurable: true, writable: true });
        return env;
      },
      enumerable: true,
      configurable: true,
    });
    return ctx;
  }
  // One crossing per request (module style): build the Request, call the handler, return the
  // answer frame — or a promise of it.
  g.__dispatch = (json) => {
    var m = JSON.parse(json);
    var req = new Request(m.url, {
      method: m.method,
      _headersJson: m.headers,
      body: m.text !== undefined ? m.text : m.body ? fromB64(m.body) : null,
      _form: m.form,
    });
    var ctx = withEnv(m.ctx);
    var h = g.__handler;
    var out = typeof h === "function" ? h(req, ctx) : h.fetch(req, ctx);
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
    // `fazt.env.get("KEY", fallback)` and `fazt.env.KEY` read the same value.
    env: new Proxy(
      {
        get: (key, fallback) => {
          var v = call("env.get", key);
          return v === undefined ? fallback : v;
        },
      },
      {
        get: (target, key) => (key in target || typeof key !== "string" ? target[key] : call("env.get", key)),
        has: (target, key) => key in target || (typeof key === "string" && call("env.get", key) !== undefined),
        ownKeys: () => call("env.keys"),
        getOwnPropertyDescriptor: (target, key) => {
          var v = typeof key === "string" ? call("env.get", key) : undefined;
          return v === undefined ? undefined : { value: v, enumerable: true, configurable: true, writable: false };
        },
        set: () => false,
      },
    ),
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
    // The script's last value is a JSON body, a string included (`"hello"` answers `"hello"`).
    if (!r && typeof completion === "string")
      return wire(200, { "content-type": "application/json; charset=utf-8" }, JSON.stringify(completion));
    if (!r) return g.__toWire(completion);
    var headers = {};
    Object.keys(r.headers).forEach((k) => {
      headers[k.toLowerCase()] = String(r.headers[k]);
    });
    if (r.body === undefined || r.body === null) return wire(r.status, headers, "");
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
