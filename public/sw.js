// Carnet's service worker. It keeps the app shell — the offline page that starts the app in the
// browser, the WebAssembly and its JS glue, the style, the icons, the emergency card's page — so
// that Carnet opens with no network, and nothing else: never an answer of /api, never a page
// rendered by the server (those carry health data and are `no-store`). The record itself is kept
// by the app, encrypted, in IndexedDB.
//
// `scripts/build-site.sh` replaces VERSION and SHELL with the build's: a digest of the shell's
// files and their list. A new build is a new worker; it waits until the user, told by the app
// that a new version is ready, asks for it (message "skip-waiting").
"use strict";

const VERSION = "__CARNET_VERSION__";
const SHELL = ["__CARNET_SHELL__"];
const CACHE = `carnet-shell-${VERSION}`;
// The page that starts the app in the browser when the server cannot render one.
const APP_SHELL = "/app.html";
// A slow network is no network: after this long the kept copy answers.
const NETWORK_WAIT_MS = 4000;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(SHELL.map((path) => new Request(path, { cache: "reload" })))),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((name) => name.startsWith("carnet-") && name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") self.skipWaiting();
  // A page loaded while this worker was installing is not among those it took on activating:
  // the page asks to be taken.
  if (event.data === "claim") event.waitUntil(self.clients.claim());
});

function network(request) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("network too slow")), NETWORK_WAIT_MS);
    fetch(request).then((response) => { clearTimeout(timer); resolve(response); }, (error) => { clearTimeout(timer); reject(error); });
  });
}

// `caches.match` with a name, not `caches.open`: opening would create the cache anew after a
// logout deleted it.
function kept(path) {
  return caches.match(path, { cacheName: CACHE });
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  // The API and the health check go to the network only, untouched.
  if (url.pathname === "/api" || url.pathname.startsWith("/api/") || url.pathname === "/healthz") return;

  if (request.mode === "navigate") {
    // A page: the server's, fresh; without a network, the kept static page of that address if it
    // is one (the emergency card), else the app shell, which routes to the address in the browser.
    event.respondWith(
      network(request).catch(() => kept(url.pathname).then((page) => page || kept(APP_SHELL)).then((page) => page || Response.error())),
    );
    return;
  }
  if (SHELL.includes(url.pathname)) {
    // The shell's files: fresh from the network (so they always match the page the server
    // rendered), the kept copy when there is none.
    event.respondWith(network(request).catch(() => kept(url.pathname).then((file) => file || Response.error())));
  }
});
