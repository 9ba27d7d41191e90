// useActivity.ts — who changed how much in each version (usePaged over GET …/activity), for the
// History panel's Activity tab. A 404 means the server has no activity route yet: the tab says so.
import { useCallback } from 'react'
import type { ActivityEntry, Api } from '../api'
import { usePaged, type PagedState } from './usePaged'

const entryKey = (e: ActivityEntry) => `${e.version_id}:${e.user?.id ?? 'none'}`

export function useActivity (api: Api, docId: number): PagedState<ActivityEntry> {
  const fetchPage = useCallback(async (before: number | null, limit: number) => {
    const page = await api.activity(docId, before, limit)
    return { items: page.entries, next: page.next_cursor }
  }, [api, docId])
  return usePaged(fetchPage, entryKey)
}
