// zipWriter.ts — a .zip of files held in memory, written from the PKWARE APPNOTE (4.3): for each
// entry a local file header and its bytes, then the central directory and its end record. Entries
// are stored (method 0), not deflated: the archive only travels to the server, which unpacks it at
// once, and the upload limit bounds the size (a few MiB) — compressing would cost code and time
// for little. Names are UTF-8 with general-purpose flag bit 11 set, so the server reads "ü" and "字"
// as such. No ZIP64: at most 65 535 entries and 4 GiB, far beyond what the server accepts.

export interface ZipEntry {
  // "/"-separated, relative; a name ending in "/" is a folder (no data).
  name: string
  data?: Uint8Array<ArrayBuffer>
  modified?: Date
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  return t
})()

// CRC-32 (ISO 3309, the polynomial 0xEDB88320 reflected), as APPNOTE 4.4.7 asks.
export function crc32 (data: Uint8Array): number {
  let c = 0xffffffff
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

// MS-DOS date and time (APPNOTE 4.4.6): local time, 2-second steps, years from 1980.
function dosDateTime (d: Date): { date: number, time: number } {
  const year = Math.min(Math.max(d.getFullYear(), 1980), 2107)
  return {
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1)
  }
}

const UTF8_NAMES = 0x0800 // general-purpose bit 11
const MAX_ENTRIES = 0xffff
const MAX_OFFSET = 0xffffffff

// The archive of `entries`, in their order. Throws when it would need ZIP64.
export function zipStored (entries: ZipEntry[]): Blob {
  if (entries.length > MAX_ENTRIES) throw new Error(`too many files for one archive (at most ${MAX_ENTRIES})`)
  const encoder = new TextEncoder()
  const parts: Array<Uint8Array<ArrayBuffer>> = []
  const central: Array<Uint8Array<ArrayBuffer>> = []
  let offset = 0
  for (const e of entries) {
    const name = encoder.encode(e.name)
    const data = e.data ?? new Uint8Array(0)
    const folder = e.name.endsWith('/')
    const crc = crc32(data)
    const { date, time } = dosDateTime(e.modified ?? new Date())
    if (offset + 30 + name.length + data.length > MAX_OFFSET) throw new Error('the files are too large for one archive')

    const local = new DataView(new ArrayBuffer(30))
    local.setUint32(0, 0x04034b50, true) // local file header signature
    local.setUint16(4, 20, true) // version needed: 2.0 (folders)
    local.setUint16(6, UTF8_NAMES, true)
    local.setUint16(8, 0, true) // stored
    local.setUint16(10, time, true)
    local.setUint16(12, date, true)
    local.setUint32(14, crc, true)
    local.setUint32(18, data.length, true) // compressed size
    local.setUint32(22, data.length, true) // uncompressed size
    local.setUint16(26, name.length, true)
    local.setUint16(28, 0, true) // extra field length
    parts.push(new Uint8Array(local.buffer), name, data)

    const dir = new DataView(new ArrayBuffer(46))
    dir.setUint32(0, 0x02014b50, true) // central file header signature
    dir.setUint16(4, (3 << 8) | 20, true) // made by: Unix, 2.0 (so the external attributes are a mode)
    dir.setUint16(6, 20, true)
    dir.setUint16(8, UTF8_NAMES, true)
    dir.setUint16(10, 0, true)
    dir.setUint16(12, time, true)
    dir.setUint16(14, date, true)
    dir.setUint32(16, crc, true)
    dir.setUint32(20, data.length, true)
    dir.setUint32(24, data.length, true)
    dir.setUint16(28, name.length, true)
    // 30 extra length, 32 comment length, 34 disk number start, 36 internal attributes: all 0.
    const mode = folder ? 0o40755 : 0o100644
    dir.setUint32(38, ((mode << 16) | (folder ? 0x10 : 0)) >>> 0, true) // st_mode, and MS-DOS's directory bit
    dir.setUint32(42, offset, true) // where the local header is
    central.push(new Uint8Array(dir.buffer), name)

    offset += 30 + name.length + data.length
  }
  const size = central.reduce((n, p) => n + p.length, 0)
  if (offset + size > MAX_OFFSET) throw new Error('the files are too large for one archive')
  const end = new DataView(new ArrayBuffer(22))
  end.setUint32(0, 0x06054b50, true) // end of central directory signature
  // 4 this disk's number, 6 the central directory's disk: both 0.
  end.setUint16(8, entries.length, true)
  end.setUint16(10, entries.length, true)
  end.setUint32(12, size, true)
  end.setUint32(16, offset, true)
  // 20 comment length: 0.
  return new Blob([...parts, ...central, new Uint8Array(end.buffer)], { type: 'application/zip' })
}
