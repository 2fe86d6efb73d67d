import { MemoryStateStore } from '../../../src/state/state-store'
import { behavesAsAStateStore } from '../../support/state-store-behaviour'

describe('state store', () => {
  describe('in memory', () => behavesAsAStateStore(() => ({ store: new MemoryStateStore() })))
})
