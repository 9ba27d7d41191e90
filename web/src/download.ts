// download.ts — saves text (a document) or a Blob (a project's zip) as a file through a temporary
// object URL.

export function downloadText (filename: string, text: string): void {
  downloadBlob(filename, new Blob([text], { type: 'text/plain;charset=utf-8' }))
}

export function downloadBlob (filename: string, blob: Blob): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename.replace(/[/\\]/g, '_') || 'document.txt'
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 0)
}
