// replot.mjs — the SVG of a soak result again, without running it:
//   node bench/soak/replot.mjs bench/results/soak-single.json docs/bench/soak-single-rss.svg
import fs from 'node:fs'
import { recordSvg } from './plot.mjs'

const [from, to] = process.argv.slice(2)
if (!from || !to) {
  console.error('usage: node bench/soak/replot.mjs RESULT.json OUT.svg')
  process.exit(2)
}
fs.writeFileSync(to, recordSvg(JSON.parse(fs.readFileSync(from, 'utf8'))))
