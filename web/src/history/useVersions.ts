// useVersions.ts — the document's versions as the History panel lists them (usePaged over
// GET …/versions).
import { useCallback } from 'react'
import type { Api, Version } from '../api'
import { usePaged, type PagedState } from './usePaged'

const versionKey = (v: Version) => String(v.id)

export function useVersions (api: Api, docId: number): PagedState<Version> {
  const fetchPage = useCallback(async (before: number | null, limit: number) => {
    const page = await api.listVersions(docId, before, limit)
    return { items: page.versions, next: page.next_cursor }
  }, [api, docId])
  return usePaged(fetchPage, versionKey)
}
