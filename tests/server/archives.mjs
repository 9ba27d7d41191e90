// archives.mjs — .zip and .tar.gz writers for the import tests, written from the formats (PKWARE
// APPNOTE; POSIX ustar) so that a test can make what no well-behaved tool makes: names with "..",
// absolute names, symbolic and hard links, duplicate names, bombs; and a .zip reader, independent
// of the server's writer, to read its exports back.
import assert from 'node:assert/strict'
import zlib from 'node:zlib'

const CRC_TABLE = (() => {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  return t
})()

export function crc32 (buf) {
  let c = 0xffffffff
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

// entries: [{ name, data?: string|Buffer, mode?: number (Unix st_mode) }]; a name ending in "/"
// is a directory; mode 0o120777 makes a symbolic link whose target is `data`.
export function zip (entries, { deflate = true } = {}) {
  const locals = []
  const centrals = []
  let offset = 0
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8')
    const data = Buffer.from(e.data ?? '')
    const dir = e.name.endsWith('/')
    const method = deflate && data.length > 0 ? 8 : 0
    const body = method === 8 ? zlib.deflateRawSync(data) : data
    const crc = crc32(data)
    const mode = e.mode ?? (dir ? 0o40755 : 0o100644)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(0x0800, 6) // UTF-8 names
    local.writeUInt16LE(method, 8)
    local.writeUInt16LE(0, 10)
    local.writeUInt16LE(0x21, 12) // 1980-01-01
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(body.length, 18)
    local.writeUInt32LE(data.length, 22)
    local.writeUInt16LE(name.length, 26)
    local.writeUInt16LE(0, 28)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE((3 << 8) | 20, 4) // made by Unix
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(0x0800, 8)
    central.writeUInt16LE(method, 10)
    central.writeUInt16LE(0, 12)
    central.writeUInt16LE(0x21, 14)
    central.writeUInt32LE(crc, 16)
    central.writeUInt32LE(body.length, 20)
    central.writeUInt32LE(data.length, 24)
    central.writeUInt16LE(name.length, 28)
    central.writeUInt32LE(((mode << 16) | (dir ? 0x10 : 0)) >>> 0, 38)
    central.writeUInt32LE(offset, 42)
    locals.push(local, name, body)
    centrals.push(central, name)
    offset += 30 + name.length + body.length
  }
  const cd = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(cd.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, cd, end])
}

function octal (n, width) { return n.toString(8).padStart(width - 1, '0') + '\0' }

// entries: [{ name, data?, type?: '0' file | '5' directory | '2' symlink | '1' hard link, link? }]
export function tarGz (entries) {
  const blocks = []
  for (const e of entries) {
    const data = Buffer.from(e.data ?? '')
    const type = e.type ?? (e.name.endsWith('/') ? '5' : '0')
    const h = Buffer.alloc(512)
    const name = Buffer.from(e.name, 'utf8')
    if (name.length > 100) throw new Error(`tarGz: name longer than 100 bytes: ${e.name}`)
    name.copy(h, 0)
    h.write(octal(type === '5' ? 0o755 : 0o644, 8), 100)
    h.write(octal(0, 8), 108)
    h.write(octal(0, 8), 116)
    h.write(octal(type === '0' ? data.length : 0, 12), 124)
    h.write(octal(0, 12), 136)
    h.write('        ', 148)
    h.write(type, 156)
    if (e.link) h.write(e.link, 157)
    h.write('ustar\x0000', 257, 'binary')
    let sum = 0
    for (const b of h) sum += b
    h.write(octal(sum, 7) + ' ', 148)
    blocks.push(h)
    if (type === '0' && data.length) {
      blocks.push(data, Buffer.alloc((512 - (data.length % 512)) % 512))
    }
  }
  blocks.push(Buffer.alloc(1024))
  return zlib.gzipSync(Buffer.concat(blocks))
}

// The entries of a .zip (stored or deflated, no ZIP64), from its central directory: [{ name,
// data: Buffer, method, flags (general purpose), crc (as recorded) }].
export function readZip (buf) {
  const end = buf.length - 22
  assert.equal(buf.readUInt32LE(end), 0x06054b50, 'end of central directory record')
  const count = buf.readUInt16LE(end + 10)
  let at = buf.readUInt32LE(end + 16)
  const out = []
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(at), 0x02014b50, 'central directory entry')
    const method = buf.readUInt16LE(at + 10)
    const compressed = buf.readUInt32LE(at + 20)
    const size = buf.readUInt32LE(at + 24)
    const nameLength = buf.readUInt16LE(at + 28)
    const local = buf.readUInt32LE(at + 42)
    const name = buf.subarray(at + 46, at + 46 + nameLength).toString('utf8')
    assert.equal(buf.readUInt32LE(local), 0x04034b50, 'local header')
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28)
    const body = buf.subarray(start, start + compressed)
    const data = method === 8 ? zlib.inflateRawSync(body) : Buffer.from(body)
    assert.equal(data.length, size, `${name}: size`)
    out.push({ name, data, method, flags: buf.readUInt16LE(at + 8), crc: buf.readUInt32LE(at + 16) })
    at += 46 + nameLength + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32)
  }
  return out
}
