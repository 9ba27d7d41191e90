// serviceWorker.ts — the app shell for offline starts, built to /sw.js (vitePlugin.ts, beside it) and
// registered by src/appShell.ts. It keeps one build of the app — index.html and every file Vite
// wrote for it (scripts, styles, the editor's workers, its font, each language's highlighter) — in
// one Cache Storage cache named after that build, so that with no network the app still starts, a
// document opened before reopens from IndexedDB, and its edits wait there for the server.
//
// What it answers, and from where:
// - page loads (navigations): the network first, so an online start always gets the current
//   build; the cached index.html when the network fails;
// - the build's files (hashed names, never changed): the cache first, then the network;
// - other files of the site (favicon): the network first, kept in the cache for offline starts;
// - the API, the WebSocket and the server's own endpoints: never touched (the app keeps what it
//   needs of the API itself; edits travel over the WebSocket and wait in IndexedDB).
// A new build installs its cache next to the old one, takes over at once (skipWaiting, claim) and
// deletes the older caches; an open page keeps its code and gets the new build when it next loads.

// Filled in at build time: the build's files (relative to the site root) and a name for the build.
declare const __WEFT_SHELL_FILES__: string[]
declare const __WEFT_SHELL_VERSION__: string

const sw = self as unknown as ServiceWorkerGlobalScope
const PREFIX = 'weft-shell-'
const CACHE = PREFIX + __WEFT_SHELL_VERSION__
const FILES = __WEFT_SHELL_FILES__.map((f) => `/${f}`)
const INDEX = '/index.html'
const SERVER_PATHS = /^\/(api|ws)(\/|$)|^\/(healthz|readyz|metrics)$/

sw.addEventListener('install', (event) => {
  // cache: 'reload' skips the HTTP cache, so the cache never holds a stale copy of a file.
  event.waitUntil(caches.open(CACHE)
    .then((cache) => cache.addAll(FILES.map((f) => new Request(f, { cache: 'reload' }))))
    .then(() => sw.skipWaiting()))
})

sw.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((n) => n.startsWith(PREFIX) && n !== CACHE).map((n) => caches.delete(n))))
    .then(() => sw.clients.claim()))
})

sw.addEventListener('fetch', (event) => {
  const { request } = event
  const url = new URL(request.url)
  if (request.method !== 'GET' || url.origin !== sw.location.origin || SERVER_PATHS.test(url.pathname)) return
  if (request.mode === 'navigate') event.respondWith(page(request))
  else if (FILES.includes(url.pathname)) event.respondWith(buildFile(request))
  else event.respondWith(siteFile(request))
})

async function page (request: Request): Promise<Response> {
  try {
    return await fetch(request)
  } catch (err) {
    const cached = await caches.match(INDEX, { cacheName: CACHE })
    if (cached) return cached
    throw err
  }
}

async function buildFile (request: Request): Promise<Response> {
  return (await caches.match(request, { cacheName: CACHE, ignoreSearch: true })) ?? fetch(request)
}

async function siteFile (request: Request): Promise<Response> {
  try {
    const res = await fetch(request)
    if (res.ok && res.type === 'basic') {
      const copy = res.clone()
      void caches.open(CACHE).then((cache) => cache.put(request, copy))
    }
    return res
  } catch (err) {
    const cached = await caches.match(request, { cacheName: CACHE })
    if (cached) return cached
    throw err
  }
}
