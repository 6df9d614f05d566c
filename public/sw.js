// Carnet's service worker, for now only the emergency card on the patient's own device: its page,
// script and style are kept so that the card opens with no network, like a phone's medical ID.
// Network first, the copy kept for when there is none. Nothing from /api is ever stored here:
// the card's summary lives in the page's own storage, put there by the patient's choice.
"use strict";

const CACHE = "carnet-card-v1";
const FILES = ["/carte-urgence.html", "/urgence.js", "/urgence.css", "/favicon.svg"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((name) => name.startsWith("carnet-card-") && name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin || !FILES.includes(url.pathname)) return;
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(url.pathname, copy));
        }
        return response;
      })
      .catch(() => caches.match(url.pathname).then((kept) => kept || Response.error())),
  );
});
