// make_seeds.mjs — writes a seed corpus for fuzz_update: real yjs updates covering every content
// kind (string, any, json-free types, binary, embed, format, nested types, XML, subdocs, deletes).
// Usage: node crdt/fuzz/make_seeds.mjs OUTDIR
import fs from 'node:fs'
import path from 'node:path'
import * as Y from 'yjs'

const out = process.argv[2]
fs.mkdirSync(out, { recursive: true })
const seeds = []
const doc = new Y.Doc(); doc.clientID = 3
doc.on('update', u => seeds.push(u))
const text = doc.getText('content')
text.insert(0, 'hello 😀 wörld')
text.format(0, 5, { bold: true })
text.insertEmbed(3, { image: 'x.png' })
text.delete(1, 2)
const map = doc.getMap('map')
map.set('n', 42); map.set('f', 1.5); map.set('s', 'str'); map.set('b', new Uint8Array([1, 2, 3]))
map.set('o', { a: [1, null, true], big: 2 ** 40 })
const inner = new Y.Array(); map.set('arr', inner); inner.push([1, 'two', { three: 3 }])
const t2 = new Y.Text('nested'); inner.insert(0, [t2]); t2.insert(3, '!')
map.delete('s')
const xml = doc.getXmlFragment('xml')
const el = new Y.XmlElement('p'); xml.insert(0, [el]); el.setAttribute('class', 'c'); el.insert(0, [new Y.XmlText('t')])
doc.getArray('docs').insert(0, [new Y.Doc({ guid: 'sub' })])
const other = new Y.Doc(); other.clientID = 9
Y.applyUpdate(other, Y.encodeStateAsUpdate(doc))
other.getText('content').insert(2, 'concurrent')
seeds.push(Y.encodeStateAsUpdate(other), Y.encodeStateAsUpdate(doc), Y.mergeUpdates(seeds.slice(0, 5)))
seeds.forEach((s, i) => fs.writeFileSync(path.join(out, `seed${i}.bin`), s))
console.log(`wrote ${seeds.length} seeds to ${out}`)
