// colors.ts — one color per person, the same in every browser: the hue steps by the golden angle
// with the user id, so people with nearby ids get clearly different colors.

export function colorForUser (userId: number): string {
  const hue = Math.round((userId * 137.508) % 360)
  return `hsl(${hue} 70% 45%)`
}

// The same hue, translucent: the background of someone's selection.
export function selectionColorForUser (userId: number): string {
  const hue = Math.round((userId * 137.508) % 360)
  return `hsl(${hue} 80% 55% / 0.28)`
}
