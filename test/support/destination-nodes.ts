import type { NodeAPI } from 'node-red'
import xoDestinations from '../../src/xo-destinations'
import xoKea from '../../src/xo-kea'
import xoOutcome from '../../src/xo-outcome'

/**
 * The destination node sets as a flow uses them together: the destinations of `xo-destinations` (xo slack, xo
 * teams…), xo kea and xo outcome, each its own node set in the package, loaded in one go by the test helper.
 */
export default function destinationNodes(RED: NodeAPI): void {
  xoDestinations(RED)
  xoKea(RED)
  xoOutcome(RED)
}
