// The helper's phone pages (/m/, docs/phone.md). Two roles in one file:
//
// - in the page: a record is kept in this phone's storage (localStorage) with a key made by
//   crypto.getRandomValues, then sent to /m/sync/. The server records each key once, so an
//   entry sent twice (a lost answer, two tabs) is still one activity. Entries leave the queue
//   only when the server answers "synced" or "already"; refusals stay visible.
// - as the service worker (served by /m/sw.js, which sets self.BANGFU_SW first): keeps the
//   /m/ pages and the static files, so that /m/ opens without a signal.
(function () {
  "use strict";

  // ---------------------------------------------------------------- the service worker
  function worker(sw, config) {
    var CACHE = "bangfu-phone-" + config.version;
    var PREFIX = "bangfu-phone-";

    sw.addEventListener("install", function (event) {
      event.waitUntil(
        caches.open(CACHE).then(function (cache) { return cache.addAll(config.files); })
          .then(function () { return sw.skipWaiting(); })
      );
    });

    sw.addEventListener("activate", function (event) {
      event.waitUntil(
        caches.keys().then(function (keys) {
          return Promise.all(keys.filter(function (k) {
            return k.indexOf(PREFIX) === 0 && k !== CACHE;
          }).map(function (k) { return caches.delete(k); }));
        }).then(function () { return sw.clients.claim(); })
      );
    });

    function offline() {
      return new Response(
        "<!DOCTYPE html><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
        "<p>" + config.offline + "</p>",
        { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } }
      );
    }

    // Pages: the network first (fresh data); without a signal, the copy kept last time.
    function page(request) {
      return fetch(request).then(function (response) {
        if (response.type === "opaqueredirect" || response.redirected) {
          // Signed out: forget the pages kept for the last user.
          caches.open(CACHE).then(function (cache) {
            return cache.keys().then(function (keys) {
              return Promise.all(keys.filter(function (r) {
                return config.files.indexOf(new URL(r.url).pathname) < 0;
              }).map(function (r) { return cache.delete(r); }));
            });
          });
        } else if (response.status === 200) {
          var copy = response.clone();
          caches.open(CACHE).then(function (cache) { return cache.put(request, copy); });
        }
        return response;
      }).catch(function () {
        return caches.open(CACHE).then(function (cache) {
          return cache.match(request).then(function (hit) {
            return hit || cache.match(config.home);
          });
        }).then(function (hit) { return hit || offline(); });
      });
    }

    // Static files: the kept copy first (they change name when they change, in production).
    function file(request) {
      return caches.open(CACHE).then(function (cache) {
        return cache.match(request).then(function (hit) {
          return hit || fetch(request).then(function (response) {
            if (response.status === 200) cache.put(request, response.clone());
            return response;
          });
        });
      });
    }

    sw.addEventListener("fetch", function (event) {
      var request = event.request;
      if (request.method !== "GET") return;
      var url = new URL(request.url);
      if (url.origin !== sw.location.origin) return;
      if (request.mode === "navigate" && url.pathname.indexOf(config.home) === 0) {
        event.respondWith(page(request));
      } else if (config.files.indexOf(url.pathname) >= 0) {
        event.respondWith(file(request));
      }
    });
  }

  if (typeof window === "undefined") {
    if (typeof self !== "undefined" && self.BANGFU_SW) worker(self, self.BANGFU_SW);
    return;
  }

  // ---------------------------------------------------------------- the page
  function onReady(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  function format(text, value) { return String(text || "").replace("%s", value); }

  // A random UUID (version 4). crypto.randomUUID exists only in secure contexts (HTTPS);
  // crypto.getRandomValues exists everywhere.
  function newKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) {
      return (b + 0x100).toString(16).slice(1);
    }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" +
      hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function localDay() {
    var d = new Date();
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
  }

  function Phone(root) {
    this.root = root;
    this.t = root.dataset;
    this.storeKey = "bangfu.phone.queue." + root.dataset.user;
    this.busy = false;
    this.lastError = "";
  }

  // -- the queue, in this phone's storage (one per user: a shared phone keeps them apart)
  Phone.prototype.load = function () {
    try {
      var list = JSON.parse(window.localStorage.getItem(this.storeKey) || "[]");
      return Array.isArray(list) ? list : [];
    } catch (e) {
      return [];
    }
  };

  Phone.prototype.save = function (list) {
    try {
      window.localStorage.setItem(this.storeKey, JSON.stringify(list));
      return true;
    } catch (e) {
      this.notice(this.t.tFull, true);
      return false;
    }
  };

  Phone.prototype.add = function (entry) {
    var list = this.load().filter(function (e) { return e.key !== entry.key; });
    list.push(entry);
    return this.save(list);
  };

  Phone.prototype.update = function (fn) {
    var list = this.load();
    var kept = [];
    list.forEach(function (e) { var out = fn(e); if (out) kept.push(out); });
    this.save(kept);
  };

  // -- what the helper sees
  Phone.prototype.notice = function (text, isError) {
    var el = this.root.querySelector("[data-notice]");
    if (!el) return;
    el.textContent = text || "";
    el.hidden = !text;
    el.classList.toggle("phone-note-err", !!isError);
  };

  Phone.prototype.render = function () {
    var list = this.load();
    var online = navigator.onLine;
    var waiting = list.length;
    var pending = this.root.querySelector("[data-pending]");
    var net = this.root.querySelector("[data-net]");
    if (net) net.hidden = online;
    if (pending) {
      if (!waiting) pending.textContent = this.t.tNone;
      else if (this.busy) pending.textContent = this.t.tSyncing;
      else pending.textContent = format(online ? this.t.tPending : this.t.tOffline, waiting);
    }
    var ul = this.root.querySelector("[data-queue]");
    if (!ul) return;
    ul.textContent = "";
    var self = this;
    list.forEach(function (entry) {
      var li = document.createElement("li");
      li.dataset.key = entry.key;
      var what = document.createElement("span");
      what.className = "what";
      what.textContent = entry.label + (entry.photo ? " · " + self.t.tPhoto : "");
      li.appendChild(what);
      if (entry.errors && entry.errors.length) {
        li.className = "error";
        var why = document.createElement("span");
        why.className = "why";
        why.textContent = self.t.tError + ": " + entry.errors.join("; ");
        li.appendChild(why);
        var drop = document.createElement("button");
        drop.type = "button";
        drop.className = "phone-btn phone-btn-small";
        drop.dataset.discard = entry.key;
        drop.textContent = self.t.tDiscard;
        li.appendChild(drop);
      } else {
        var badge = document.createElement("span");
        badge.className = "phone-badge";
        badge.textContent = self.t.tWaiting;
        li.appendChild(badge);
      }
      ul.appendChild(li);
    });
    ul.hidden = !list.length;
  };

  // -- sending
  Phone.prototype.post = function (batch) {
    var t = this.t;
    return fetch(this.root.dataset.syncUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": this.root.dataset.csrf
      },
      body: JSON.stringify({ entries: batch.map(function (e) {
        return { key: e.key, pairing: e.pairing, type: e.type, date: e.date, values: e.values,
                 photo: e.photo || undefined };
      }) })
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (response.status === 401 || response.redirected) throw { said: t.tLogin };
      if (!response.ok || !json) throw { said: t.tFailed };
      return response.json();
    });
  };

  // Entries with a photo go one at a time (a request stays small); the others in tens.
  function batches(list) {
    var out = [];
    var plain = [];
    list.forEach(function (e) {
      if (e.photo) out.push([e]);
      else {
        plain.push(e);
        if (plain.length === 20) { out.push(plain); plain = []; }
      }
    });
    if (plain.length) out.push(plain);
    return out;
  }

  Phone.prototype.sync = function () {
    var self = this;
    var list = this.load();
    if (this.busy) { this.again = true; return Promise.resolve(); }
    if (!list.length) { this.render(); return Promise.resolve(); }
    this.busy = true;
    this.again = false;
    this.render();
    var done = [];
    var chain = Promise.resolve();
    batches(list).forEach(function (batch) {
      chain = chain.then(function () {
        return self.post(batch).then(function (data) {
          var answers = {};
          (data.results || []).forEach(function (r) { answers[r.key] = r; });
          self.update(function (entry) {
            var r = answers[entry.key];
            if (!r) return entry;
            if (r.status === "synced" || r.status === "already") {
              done.push(r.text || entry.label);
              return null;
            }
            entry.errors = r.errors && r.errors.length ? r.errors : [r.status];
            return entry;
          });
        });
      });
    });
    return chain.then(function () {
      self.notice("");
    }, function (error) {
      // No signal, or the server did not answer: everything not answered stays queued.
      if (navigator.onLine) self.notice(error && error.said ? error.said : self.t.tFailed, true);
    }).then(function () {
      self.busy = false;
      if (done.length) {
        var el = self.root.querySelector("[data-synced]");
        el.textContent = format(self.t.tSynced, done.length) + " " + done.join("; ");
        el.hidden = false;
      }
      self.render();
      if (self.again && navigator.onLine) return self.sync();
    });
  };

  // -- the forms
  Phone.prototype.open = function (id, push) {
    var panel = document.getElementById(id);
    if (!panel) return;
    this.root.querySelectorAll("[data-panel]").forEach(function (p) { p.hidden = p !== panel; });
    var list = this.root.querySelector("[data-list]");
    if (list) list.hidden = true;
    var date = panel.querySelector("input[name=date]");
    var today = localDay();
    // A page kept since an earlier day starts at the phone's today.
    if (date && date.value === this.root.dataset.today && today > date.value) {
      date.value = today;
      date.max = today;
    }
    if (push && location.hash !== "#" + id) history.pushState(null, "", "#" + id);
    window.scrollTo(0, 0);
  };

  Phone.prototype.close = function () {
    this.root.querySelectorAll("[data-panel]").forEach(function (p) { p.hidden = true; });
    var list = this.root.querySelector("[data-list]");
    if (list) list.hidden = false;
  };

  Phone.prototype.fromHash = function () {
    var id = location.hash.slice(1);
    if (id && document.getElementById(id) && document.getElementById(id).hasAttribute("data-panel")) {
      this.open(id, false);
    } else {
      this.close();
    }
  };

  function readPhoto(input) {
    var file = input && input.files && input.files[0];
    if (!file) return Promise.resolve(null);
    if (file.size <= 1024 * 1024) {
      return new Promise(function (resolve) {
        var reader = new FileReader();
        reader.onload = function () { resolve(reader.result); };
        reader.onerror = function () { resolve(null); };
        reader.readAsDataURL(file);
      });
    }
    // A large photo is made smaller here (at most 1600 px, like the server keeps it).
    if (!window.createImageBitmap) return Promise.resolve(null);
    return window.createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return canvas.toDataURL("image/jpeg", 0.8);
    }).catch(function () { return null; });
  }

  Phone.prototype.queueForm = function (form) {
    var self = this;
    var values = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.type === "file" || el.type === "submit") return;
      if (["csrfmiddlewaretoken", "type", "date", "key"].indexOf(el.name) >= 0) return;
      values[el.name] = el.value;
    });
    var date = form.elements.date.value;
    var entry = {
      key: newKey(),
      pairing: parseInt(form.dataset.pairing, 10),
      type: form.elements.type.value,
      date: date,
      values: values,
      label: date + " " + form.dataset.typeName + " " + form.dataset.who
    };
    return readPhoto(form.querySelector("input[type=file]")).then(function (photo) {
      if (photo) entry.photo = photo;
      if (!self.add(entry)) return;
      form.reset();
      form.querySelectorAll("[data-phrase]").forEach(function (c) { c.setAttribute("aria-pressed", "false"); });
      self.notice(format(self.t.tQueued, entry.label));
      var synced = self.root.querySelector("[data-synced]");
      if (synced) synced.hidden = true;
      if (form.closest("[data-panel]")) {
        if (location.hash) history.back(); else self.close();
      }
      self.render();
      if (navigator.onLine) self.sync();
    });
  };

  Phone.prototype.start = function () {
    var self = this;
    var root = this.root;

    root.addEventListener("click", function (event) {
      var opener = event.target.closest("[data-open]");
      if (opener) {
        event.preventDefault();
        self.open(opener.dataset.open, true);
        return;
      }
      if (event.target.closest("[data-close]")) {
        event.preventDefault();
        if (location.hash) history.back(); else self.close();
        return;
      }
      var chip = event.target.closest("[data-phrase]");
      if (chip) {
        var target = document.getElementById(chip.dataset.target);
        if (target) {
          var phrase = chip.dataset.phrase;
          var text = target.value.trim();
          if (text.indexOf(phrase) < 0) target.value = text ? text + "；" + phrase : phrase;
          chip.setAttribute("aria-pressed", "true");
          target.dispatchEvent(new Event("input", { bubbles: true }));
        }
        return;
      }
      if (event.target.closest("[data-sync-now]")) {
        self.sync();
        return;
      }
      var drop = event.target.closest("[data-discard]");
      if (drop && window.confirm(self.t.tDiscardConfirm)) {
        var key = drop.dataset.discard;
        self.update(function (e) { return e.key === key ? null : e; });
        self.render();
      }
    });

    root.addEventListener("submit", function (event) {
      var form = event.target;
      if (form.hasAttribute("data-phone-form")) {
        event.preventDefault();
        var button = form.querySelector("[type=submit]");
        if (button) button.disabled = true;
        self.queueForm(form).then(function () { if (button) button.disabled = false; });
        return;
      }
      if (form.hasAttribute("data-phone-logout")) {
        var waiting = self.load().length;
        if (waiting && !window.confirm(format(self.t.tLogoutConfirm, waiting))) {
          event.preventDefault();
          return;
        }
        // The kept pages hold this helper's pairings: forget them on signing out.
        if (window.caches) {
          event.preventDefault();
          caches.keys().then(function (keys) {
            return Promise.all(keys.filter(function (k) { return k.indexOf("bangfu-phone-") === 0; })
              .map(function (k) { return caches.delete(k); }));
          }).catch(function () {}).then(function () { form.submit(); });
        }
      }
    });

    window.addEventListener("popstate", function () { self.fromHash(); });
    window.addEventListener("online", function () { self.render(); self.sync(); });
    window.addEventListener("offline", function () { self.render(); });
    window.addEventListener("storage", function (event) {
      if (event.key === self.storeKey) self.render();
    });
    window.setInterval(function () {
      if (navigator.onLine && self.load().length) self.sync();
    }, 60000);

    if ("serviceWorker" in navigator && root.dataset.swUrl) {
      navigator.serviceWorker.register(root.dataset.swUrl, { scope: root.dataset.scope })
        .catch(function () { /* no worker (plain HTTP): the open page still works offline */ });
    }

    this.fromHash();
    this.render();
    if (navigator.onLine) this.sync();
  };

  onReady(function () {
    var root = document.querySelector("[data-phone]");
    if (root) {
      var phone = new Phone(root);
      window.bangfuPhone = phone;
      phone.start();
    }
  });
})();
