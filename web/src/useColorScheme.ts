// useColorScheme.ts — the system's light or dark preference, live (the app follows it; so does
// Monaco's theme).
import { useEffect, useState } from 'react'

const QUERY = '(prefers-color-scheme: dark)'

export function useColorScheme (): 'light' | 'dark' {
  const [dark, setDark] = useState(() => window.matchMedia(QUERY).matches)
  useEffect(() => {
    const mq = window.matchMedia(QUERY)
    const onChange = () => setDark(mq.matches)
    mq.addEventListener('change', onChange)
    return () => mq.removeEventListener('change', onChange)
  }, [])
  return dark ? 'dark' : 'light'
}
