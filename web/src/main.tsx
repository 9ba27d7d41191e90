// main.tsx — mounts the app and installs it for offline starts.
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { installAppShell } from './appShell'
import { App } from './components/App'
import './styles.css'

const root = document.getElementById('root')
if (!root) throw new Error('no #root element in index.html')
createRoot(root).render(<StrictMode><App /></StrictMode>)
installAppShell()
