// appShell.ts — installs the service worker (/sw.js, built from src/sw/serviceWorker.ts) that keeps
// the app for offline starts. Registered after the page has loaded, so caching the build never
// competes with the first start; `vite dev` has no /sw.js and registers nothing.
export function installAppShell (): void {
  if (import.meta.env.DEV || !('serviceWorker' in navigator)) return
  const register = () => {
    navigator.serviceWorker.register('/sw.js').catch((err: unknown) => {
      console.warn('Weft: offline starts are not available:', err)
    })
  }
  if (document.readyState === 'complete') register()
  else window.addEventListener('load', register, { once: true })
}
