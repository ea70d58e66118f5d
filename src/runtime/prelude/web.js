// The second part of the prelude: URLSearchParams, URL, Headers, Request,
// FormData and Response, as app code expects them from the web platform.
((g) => {
  var shared = g.__prelude;
  var utf8Encode = shared.utf8Encode,
    utf8Decode = shared.utf8Decode,
    asBytes = shared.asBytes;

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
  // A body given as a string is kept as `_text` and encoded only if the app reads its bytes;
  // text() and json() read the string itself (no UTF-8 round trip in JavaScript).
  function Body() {}
  Object.defineProperty(Body.prototype, "_bytes", {
    get: function () {
      if (this.__bytes === undefined) this.__bytes = utf8Encode(this._text === undefined ? "" : this._text);
      return this.__bytes;
    },
    set: function (v) {
      this.__bytes = v;
    },
  });
  Body.prototype.text = function () {
    return Promise.resolve(this._text !== undefined ? this._text : utf8Decode(this._bytes));
  };
  Body.prototype.json = function () {
    return Promise.resolve().then(() => JSON.parse(this._text !== undefined ? this._text : utf8Decode(this._bytes)));
  };
  Body.prototype.arrayBuffer = function () {
    var b = this._bytes;
    return Promise.resolve(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  };
  Body.prototype.bytes = function () {
    return Promise.resolve(new Uint8Array(this._bytes));
  };
  function setBody(r, body) {
    if (body == null) r.__bytes = new Uint8Array(0);
    else if (typeof body === "string") r._text = body;
    else r.__bytes = asBytes(body);
  }

  // `headers` is made on first use: most handlers never read them.
  function Request(input, init) {
    init = init || {};
    this.url = String(input);
    this.method = (init.method || "GET").toUpperCase();
    this._init = init.headers;
    this._headersJson = init._headersJson;
    setBody(this, init.body);
    this._form = init._form;
  }
  Request.prototype = Object.create(Body.prototype);
  Object.defineProperty(Request.prototype, "headers", {
    get: function () {
      if (this._headers === undefined)
        this._headers = new Headers(this._headersJson !== undefined ? JSON.parse(this._headersJson) : this._init);
      return this._headers;
    },
    set: function (v) {
      this._headers = v;
    },
  });
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
    set: function (k, v) {
      this.delete(k);
      this.append(k, v);
    },
    delete: function (k) {
      this._list = this._list.filter((p) => p[0] !== k);
    },
    get: listGet,
    getAll: listGetAll,
    has: listHas,
    forEach: function (fn, self) {
      this._list.forEach(function (p) {
        fn.call(self, p[1], p[0], this);
      }, this);
    },
    keys: function () {
      return this._list.map((p) => p[0])[Symbol.iterator]();
    },
    values: function () {
      return this._list.map((p) => p[1])[Symbol.iterator]();
    },
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
    if (typeof body === "string" && !this.headers.has("content-type"))
      this.headers.set("content-type", "text/plain; charset=utf-8");
    setBody(this, body);
  }
  Response.prototype = Object.create(Body.prototype);
  Response.json = (data, init) => {
    var r = new Response(JSON.stringify(data), init);
    r.headers.set("content-type", "application/json; charset=utf-8");
    return r;
  };
  Response.redirect = (url, status) =>
    new Response(null, { status: status || 302, headers: { location: String(url) } });
  g.Response = Response;
})(globalThis);
