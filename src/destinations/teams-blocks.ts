import { truncate } from './text'

/** A card's title: bold, wrapped; coloured ('Attention', 'Good') when it says something went wrong or is over. */
export function titleBlock(text: string, max: number, color = ''): Record<string, unknown> {
  return {
    type: 'TextBlock',
    text: truncate(text, max),
    size: 'Medium',
    weight: 'Bolder',
    wrap: true,
    ...(color ? { color } : {}),
  }
}

/** A FactSet of `max` facts at most, the last then saying how many more; each value `valueMax` characters at most. */
export function factSet(facts: Array<{ label: string; value: string }>, max: number, valueMax: number) {
  const shown =
    facts.length > max
      ? [...facts.slice(0, max - 1), { label: 'More', value: `${facts.length - max + 1} more facts` }]
      : facts
  return {
    type: 'FactSet',
    facts: shown.map((f) => ({ title: truncate(f.label, 60), value: truncate(f.value, valueMax) })),
  }
}
