// colors.ts — one color per person, the same in every browser: the hue steps by the golden angle
// with the user id, so people with nearby ids get clearly different colors. Presence, cursors,
// the History panel's authors and "Who wrote this" all take their colors from here.

function hueForUser (userId: number): number {
  return Math.round((userId * 137.508) % 360)
}

export function colorForUser (userId: number): string {
  return `hsl(${hueForUser(userId)} 70% 45%)`
}

// The same hue, translucent: the background of someone's selection.
export function selectionColorForUser (userId: number): string {
  return `hsl(${hueForUser(userId)} 80% 55% / 0.28)`
}

// Fainter still: the background of the text someone wrote, under "Who wrote this", where every
// character has one and the text must stay readable.
export function tintColorForUser (userId: number): string {
  return `hsl(${hueForUser(userId)} 80% 55% / 0.16)`
}
