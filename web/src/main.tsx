// main.tsx — mounts the app.
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './components/App'
import './styles.css'

const root = document.getElementById('root')
if (!root) throw new Error('no #root element in index.html')
createRoot(root).render(<StrictMode><App /></StrictMode>)
