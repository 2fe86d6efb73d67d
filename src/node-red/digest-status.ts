import type { StatusSpec, Translate } from '../common/status'
import type { DigestRole } from './digest-keeper'
import { NotSentTally } from './not-sent-tally'

export interface DigestFigures {
  groups: number
  held: number
  sent: number
}

// The engine's reasons, as the node's catalogue names them.
const REASON_KEYS: Record<string, string> = {
  duplicate: 'duplicate',
  silenced: 'silenced',
  inhibited: 'inhibited',
}

/**
 * What an xo digest node did not put in a digest, by reason: counted in its status ("· 3 duplicates"), said in its
 * log the first time each reason comes up. A message that is no XO event is not counted here: it fails.
 */
export function droppedTally(t: Translate, log: (line: string) => void): NotSentTally {
  return new NotSentTally((reason, count) => t(`dropped.${REASON_KEYS[reason] ?? 'other'}`, { count }), log)
}

/** The node's status: its open groups, the messages they hold not sent yet, the digests sent, what it dropped. */
export function digestStatus(
  role: DigestRole,
  figures: DigestFigures,
  dropped: NotSentTally,
  t: Translate,
): StatusSpec {
  if (role === 'loading') return { fill: 'yellow', shape: 'ring', text: t('status.loading') }
  const text = `${t('status.figures', { ...figures })}${dropped.suffix()}`
  if (role === 'following') return { fill: 'grey', shape: 'ring', text: t('status.following', { figures: text }) }
  return { fill: figures.groups ? 'green' : 'grey', shape: 'dot', text }
}
