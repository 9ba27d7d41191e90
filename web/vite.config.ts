// Vite configuration of the web app. `npm run build` writes web/dist, which `weft serve
// --static-dir web/dist` serves (hashed files under assets/ are cached immutably by the server).
// `npm run dev` proxies the API and the WebSocket to a `weft serve` on localhost:8080. The build
// also writes /sw.js, the service worker that keeps the app for offline starts (src/sw/vitePlugin.ts).
import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'
import { appShell } from './src/sw/vitePlugin'

const server = 'http://localhost:8080' // `make run`'s weft serve

export default defineConfig({
  plugins: [react(), appShell()],
  resolve: {
    // y-monaco, y-websocket and y-indexeddb must share one copy of yjs (and lib0): two copies
    // break `instanceof` checks inside Yjs and corrupt documents.
    dedupe: ['yjs', 'lib0', 'y-protocols']
  },
  build: {
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 4096
  },
  worker: { format: 'es' },
  server: {
    proxy: {
      '/api': server,
      '/ws': { target: server.replace(/^http/, 'ws'), ws: true }
    }
  }
})
