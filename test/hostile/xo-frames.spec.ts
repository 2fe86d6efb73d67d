/**
 * Whatever "XO" sends over its JSON-RPC WebSocket, whenever it sends it, the stock node-red entry point stays up:
 * each bad frame is refused (before sign-in: "not an XO API") or counted (after: "XO sent N bad frame(s)"), said
 * in the log, never answered, and the good frames that follow still work (a VM start still comes out as
 * `VM.started`). One Node-RED for the whole table; one xo-server config node per row, on its own URL of a hostile
 * server.
 */
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { waitFor } from '../support/node-red'
import { StockNodeRed } from '../support/stock-node-red'
import { ANSWER, HOST, HostileXo, POOL, USER, VM, type Frame, type HostileCase } from './hostile-xo'

const text = (t: string): Frame => ({ text: t })
const json = (value: unknown): Frame => text(JSON.stringify(value))
const notify = (params: unknown) => ({ jsonrpc: '2.0', method: 'all', params })
/** Raw JSON text of an "all" notification whose items are given as raw JSON texts (some too deep to stringify). */
const enterRaw = (items: Record<string, string>): Frame =>
  text(
    `{"jsonrpc":"2.0","method":"all","params":{"type":"enter","items":{${Object.entries(items)
      .map(([id, raw]) => `${JSON.stringify(id)}:${raw}`)
      .join(',')}}}}`,
  )

/** The good frame sent after the bad ones: the halted VM starts on the host. */
const VM_STARTS = json(
  notify({ type: 'enter', items: { [VM.id]: { ...VM, power_state: 'Running', $container: HOST.id } } }),
)
const STARTED = `VM.started ${VM.id}`
/** An id no call ever has. */
const NOBODY = 987654

/** One bad frame, built for the id of the call it comes instead of (or an id no call has). */
interface BadFrame {
  frame: (id: number) => Frame
  /** what the log says of it, after "not an XO API: " or "XO sent " */
  reason: RegExp
  /** what it says of it when the frame carries the id of the call waiting for its answer */
  answering?: RegExp
  /** before signing in, a notification is refused as such */
  beforeSignIn?: RegExp
  /** it names the call it answers (and ends it): it can come instead of the objects' answer */
  names?: boolean
}

const NOT_OBJECT = /frame is not a JSON-RPC object: /
const NO_CALL = /answer to no pending call/
const NO_ID = /frame with neither id nor method/
const NOT_2_0 = /an answer that is not JSON-RPC 2\.0 answering /
const BAD_ERROR = /a malformed error answering /
const BAD_METHOD = /frame whose method is not a string/
const EARLY = /a notification \(all\) before signing in/

/** Every JSON value as a whole frame, and objects that miss or mistype each JSON-RPC member. */
const BAD_FRAMES: Record<string, BadFrame> = {
  'not-json': { frame: () => text('Welcome!'), reason: /frame is not JSON: Welcome!/ },
  binary: { frame: () => ({ binary: Buffer.from([0, 159, 146, 150, 255]) }), reason: /binary frame of 5 bytes/ },
  null: { frame: () => text('null'), reason: /frame is not a JSON-RPC object: null/ },
  true: { frame: () => text('true'), reason: /frame is not a JSON-RPC object: true/ },
  false: { frame: () => text('false'), reason: /frame is not a JSON-RPC object: false/ },
  zero: { frame: () => text('0'), reason: /frame is not a JSON-RPC object: 0/ },
  'minus-one': { frame: () => text('-1'), reason: /frame is not a JSON-RPC object: -1/ },
  'number-1e308': { frame: () => text('1e308'), reason: /frame is not a JSON-RPC object: 1e308/ },
  string: { frame: () => text('"hello"'), reason: /frame is not a JSON-RPC object: "hello"/ },
  'empty-string': { frame: () => text('""'), reason: /frame is not a JSON-RPC object: ""/ },
  'empty-array': { frame: () => text('[]'), reason: /frame is not a JSON-RPC object: \[\]/ },
  'batch-of-answers': { frame: (id) => json([{ jsonrpc: '2.0', id, result: USER }]), reason: NOT_OBJECT },
  'batch-of-notifications': { frame: () => json([notify({ type: 'enter', items: {} })]), reason: NOT_OBJECT },
  'nested-arrays': { frame: () => text('[[[1]],[{}],[[[]]]]'), reason: NOT_OBJECT },
  'array-of-objects': { frame: () => text('[{},{}]'), reason: NOT_OBJECT },
  'empty-object': { frame: () => text('{}'), reason: /frame with neither id nor method: \{\}/ },
  // jsonrpc
  'answer-without-jsonrpc': {
    frame: (id) => json({ id, result: USER }),
    reason: NO_CALL,
    answering: NOT_2_0,
    names: true,
  },
  'answer-jsonrpc-1.0': {
    frame: (id) => json({ jsonrpc: '1.0', id, result: USER }),
    reason: NO_CALL,
    answering: NOT_2_0,
    names: true,
  },
  'answer-jsonrpc-number': {
    frame: (id) => json({ jsonrpc: 2, id, result: USER }),
    reason: NO_CALL,
    answering: NOT_2_0,
    names: true,
  },
  'answer-jsonrpc-null': {
    frame: (id) => json({ jsonrpc: null, id, result: USER }),
    reason: NO_CALL,
    answering: NOT_2_0,
    names: true,
  },
  'notification-without-jsonrpc': {
    frame: () => json({ method: 'all', params: { type: 'enter', items: {} } }),
    reason: /frame that is not JSON-RPC 2\.0/,
  },
  'notification-jsonrpc-number': {
    frame: () => json({ jsonrpc: 2, method: 'all', params: { type: 'enter', items: {} } }),
    reason: /frame that is not JSON-RPC 2\.0/,
  },
  // id
  'id-null': { frame: () => json({ jsonrpc: '2.0', id: null, result: USER }), reason: NO_ID },
  'id-object': { frame: (id) => json({ jsonrpc: '2.0', id: { id }, result: USER }), reason: NO_ID },
  'id-array': { frame: (id) => json({ jsonrpc: '2.0', id: [id], result: USER }), reason: NO_ID },
  'id-boolean': { frame: () => json({ jsonrpc: '2.0', id: true, result: USER }), reason: NO_ID },
  'id-float': {
    frame: (id) => json({ jsonrpc: '2.0', id: id + 0.5, result: USER }),
    reason: /answer to no pending call \(id \d+\.5\)/,
  },
  'id-string': {
    frame: (id) => json({ jsonrpc: '2.0', id: String(id), result: USER }),
    reason: /answer to no pending call \(id "\d+"\)/,
  },
  // method
  'method-number': {
    frame: (id) => json({ jsonrpc: '2.0', id, method: 5, params: {} }),
    reason: BAD_METHOD,
    names: true,
  },
  'method-null': {
    frame: (id) => json({ jsonrpc: '2.0', id, method: null, result: USER }),
    reason: BAD_METHOD,
    names: true,
  },
  'method-object': {
    frame: (id) => json({ jsonrpc: '2.0', id, method: { name: 'all' }, params: {} }),
    reason: BAD_METHOD,
    names: true,
  },
  'method-number-notification': {
    frame: () => json({ jsonrpc: '2.0', method: 5, params: { type: 'enter', items: {} } }),
    reason: BAD_METHOD,
  },
  'request-from-server': {
    frame: () => json({ jsonrpc: '2.0', id: 1, method: 'session.signOut', params: {} }),
    reason: /request session\.signOut from the server ignored/,
  },
  // params
  'params-string': {
    frame: () => json(notify('enter')),
    reason: /notification all whose params are neither an object nor an array/,
  },
  'params-number': {
    frame: () => json(notify(5)),
    reason: /notification all whose params are neither an object nor an array/,
  },
  'params-null': { frame: () => json(notify(null)), reason: /notification all whose params are null/ },
  'params-array': {
    frame: () => json(notify([])),
    reason: /a malformed "all" notification: params are an array of 0/,
    beforeSignIn: EARLY,
  },
  'params-missing': {
    frame: () => json({ jsonrpc: '2.0', method: 'all' }),
    reason: /a malformed "all" notification: params are missing/,
    beforeSignIn: EARLY,
  },
  // result and error
  'result-and-error': {
    frame: (id) => json({ jsonrpc: '2.0', id, result: USER, error: { code: 1, message: 'no' } }),
    reason: NO_CALL,
    answering: /an answer with both result and error answering /,
    names: true,
  },
  'neither-result-nor-error': {
    frame: (id) => json({ jsonrpc: '2.0', id }),
    reason: NO_CALL,
    answering: /an answer with neither result nor error answering /,
    names: true,
  },
  'error-null': {
    frame: (id) => json({ jsonrpc: '2.0', id, error: null }),
    reason: NO_CALL,
    answering: BAD_ERROR,
    names: true,
  },
  'error-string': {
    frame: (id) => json({ jsonrpc: '2.0', id, error: 'boom' }),
    reason: NO_CALL,
    answering: BAD_ERROR,
    names: true,
  },
  'error-number': {
    frame: (id) => json({ jsonrpc: '2.0', id, error: 3 }),
    reason: NO_CALL,
    answering: BAD_ERROR,
    names: true,
  },
  'error-array': {
    frame: (id) => json({ jsonrpc: '2.0', id, error: [{ code: 3, message: 'invalid credentials' }] }),
    reason: NO_CALL,
    answering: BAD_ERROR,
    names: true,
  },
  'error-empty-object': {
    frame: (id) => json({ jsonrpc: '2.0', id, error: {} }),
    reason: NO_CALL,
    answering: BAD_ERROR,
    names: true,
  },
  'error-without-code': {
    frame: (id) => json({ jsonrpc: '2.0', id, error: { message: 'invalid credentials' } }),
    reason: NO_CALL,
    answering: BAD_ERROR,
    names: true,
  },
  'error-without-message': {
    frame: (id) => json({ jsonrpc: '2.0', id, error: { code: 3 } }),
    reason: NO_CALL,
    answering: BAD_ERROR,
    names: true,
  },
  'error-code-string': {
    frame: (id) => json({ jsonrpc: '2.0', id, error: { code: '3', message: 'invalid credentials' } }),
    reason: NO_CALL,
    answering: BAD_ERROR,
    names: true,
  },
  'error-code-float': {
    frame: (id) => json({ jsonrpc: '2.0', id, error: { code: 3.5, message: 'invalid credentials' } }),
    reason: NO_CALL,
    answering: BAD_ERROR,
    names: true,
  },
  'error-message-number': {
    frame: (id) => json({ jsonrpc: '2.0', id, error: { code: 3, message: 3 } }),
    reason: NO_CALL,
    answering: BAD_ERROR,
    names: true,
  },
}

/** Valid answers to `session.signIn` whose result is no user. */
const NOT_USERS: Record<string, unknown> = {
  null: null,
  number: 5,
  string: USER.email,
  boolean: true,
  'empty-array': [],
  'array-of-users': [USER],
  'empty-object': {},
  'without-id': { ...USER, id: undefined },
  'without-email': { ...USER, email: undefined },
  'id-number': { ...USER, id: 1 },
  'email-null': { ...USER, email: null },
  'email-object': { ...USER, email: { address: USER.email } },
  'groups-string': { ...USER, groups: 'admins' },
  'permission-number': { ...USER, permission: 1 },
  'preferences-array': { ...USER, preferences: [] },
}

/** Valid answers to `system.getServerVersion` whose result is no version. */
const NOT_VERSIONS: Record<string, unknown> = {
  null: null,
  number: 5.207,
  boolean: false,
  object: { version: '5.207.2' },
  array: ['5.207.2'],
}

/** Valid answers to `xo.getAllObjects` that are no inventory (nor a `$getFrom` path to one). */
const NOT_INVENTORIES: Record<string, { result: unknown; reason: RegExp }> = {
  null: { result: null, reason: /an answer to xo\.getAllObjects that is null, not objects/ },
  array: { result: [VM], reason: /an answer to xo\.getAllObjects that is an array of 1, not objects/ },
  'empty-array': { result: [], reason: /an answer to xo\.getAllObjects that is an array of 0, not objects/ },
  string: {
    result: '/api/objects.ndjson',
    reason: /an answer to xo\.getAllObjects that is a string \("\/api\/objects\.ndjson"\), not objects/,
  },
  number: { result: 0, reason: /an answer to xo\.getAllObjects that is a number \(0\), not objects/ },
  boolean: { result: true, reason: /an answer to xo\.getAllObjects that is a boolean \(true\), not objects/ },
  'getFrom-number': {
    result: { $getFrom: 5 },
    reason: /an answer to xo\.getAllObjects whose \$getFrom is a number \(5\), not a path/,
  },
  'getFrom-null': {
    result: { $getFrom: null },
    reason: /an answer to xo\.getAllObjects whose \$getFrom is null, not a path/,
  },
  'getFrom-object': {
    result: { $getFrom: { path: '/api/x' } },
    reason: /an answer to xo\.getAllObjects whose \$getFrom is an object \(keys: path\), not a path/,
  },
  'getFrom-empty': {
    result: { $getFrom: '' },
    reason: /an answer to xo\.getAllObjects whose \$getFrom is a string \(""\), not a path/,
  },
  'getFrom-relative': {
    result: { $getFrom: 'api/objects.ndjson' },
    reason: /an answer to xo\.getAllObjects whose \$getFrom is a string \("api\/objects\.ndjson"\), not a path/,
  },
  'getFrom-other-host': {
    result: { $getFrom: '//evil.example/x' },
    reason: /an answer to xo\.getAllObjects whose \$getFrom is a string \("\/\/evil\.example\/x"\), not a path/,
  },
  'getFrom-url': {
    result: { $getFrom: 'http://evil.example/x' },
    reason: /an answer to xo\.getAllObjects whose \$getFrom is a string \("http:\/\/evil\.example\/x"\), not a path/,
  },
  'getFrom-space': {
    result: { $getFrom: '/api/a b' },
    reason: /an answer to xo\.getAllObjects whose \$getFrom is a string \("\/api\/a b"\), not a path/,
  },
}

const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`
const raw = (value: unknown) => JSON.stringify(value)

/**
 * Items of XO's object stream that are no XO object, as raw JSON (some too deep to stringify here). `id`: the key
 * they come under; the VM of the table for wrong-typed versions of it, which must not replace the good one.
 */
const JUNK: Record<string, { raw: string; id: string; reason: RegExp }> = {
  null: { raw: 'null', id: 'vm-9', reason: /null instead of an object/ },
  number: { raw: '5', id: 'vm-9', reason: /a number \(5\) instead of an object/ },
  string: { raw: '"vm-9"', id: 'vm-9', reason: /a string \("vm-9"\) instead of an object/ },
  boolean: { raw: 'true', id: 'vm-9', reason: /a boolean \(true\) instead of an object/ },
  array: { raw: raw([{ ...VM, id: 'vm-9' }]), id: 'vm-9', reason: /an array of 1 instead of an object/ },
  'empty-object': { raw: '{}', id: 'vm-9', reason: /an object whose id is missing/ },
  'without-id': { raw: raw({ ...VM, id: undefined }), id: 'vm-9', reason: /an object whose id is missing/ },
  'id-number': { raw: raw({ ...VM, id: 9 }), id: 'vm-9', reason: /an object whose id is a number \(9\)/ },
  'id-empty': { raw: raw({ ...VM, id: '' }), id: 'vm-9', reason: /an object whose id is a string \(""\)/ },
  'without-type': {
    raw: raw({ ...VM, id: 'vm-9', type: undefined }),
    id: 'vm-9',
    reason: /object "vm-9" whose type is missing/,
  },
  'type-number': {
    raw: raw({ ...VM, id: 'vm-9', type: 5 }),
    id: 'vm-9',
    reason: /object "vm-9" whose type is a number \(5\)/,
  },
  'type-null': { raw: raw({ ...VM, type: null }), id: VM.id, reason: /object "vm-1" whose type is null/ },
  'power_state-number': {
    raw: raw({ ...VM, power_state: 5 }),
    id: VM.id,
    reason: /object "vm-1" whose power_state is a number \(5\)/,
  },
  'power_state-object': {
    raw: raw({ ...VM, power_state: { toString: 1 } }),
    id: VM.id,
    reason: /object "vm-1" whose power_state is an object \(keys: toString\)/,
  },
  '$container-number': {
    raw: raw({ ...VM, $container: 1 }),
    id: VM.id,
    reason: /object "vm-1" whose \$container is a number \(1\)/,
  },
  '$container-object': {
    raw: raw({ ...VM, $container: { id: HOST.id } }),
    id: VM.id,
    reason: /object "vm-1" whose \$container is an object/,
  },
  '$pool-array': {
    raw: raw({ ...VM, $pool: [POOL.id] }),
    id: VM.id,
    reason: /object "vm-1" whose \$pool is an array of 1/,
  },
  'name_label-object': {
    raw: raw({ ...VM, name_label: { toString: 'x' } }),
    id: VM.id,
    reason: /object "vm-1" whose name_label is an object/,
  },
  'tags-string': {
    raw: raw({ ...VM, tags: 'prod' }),
    id: VM.id,
    reason: /object "vm-1" whose tags is a string \("prod"\)/,
  },
  'tags-numbers': {
    raw: raw({ ...VM, tags: [1, 2] }),
    id: VM.id,
    reason: /object "vm-1" whose tags is not a list of strings/,
  },
  'VIFs-string': { raw: raw({ ...VM, VIFs: 'vif-1' }), id: VM.id, reason: /object "vm-1" whose VIFs is a string/ },
  'VIFs-objects': {
    raw: raw({ ...VM, VIFs: [{ id: 'vif-1', MAC: { toString: 1 } }] }),
    id: VM.id,
    reason: /object "vm-1" whose VIFs is not a list of strings/,
  },
  'deeply-nested': {
    raw: `${raw(VM).slice(0, -1)},"other":${deep(20_000)}}`,
    id: VM.id,
    reason: /object "vm-1" nested deeper than 32 levels/,
  },
  ['__proto__']: {
    raw: `${raw(VM).slice(0, -1)},"__proto__":{"power_state":"Running"}}`,
    id: VM.id,
    reason: /object "vm-1" with a field named __proto__/,
  },
}

/** `params` of "all" notifications that are not XO's. */
const ODD_PARAMS: Record<string, { params: unknown; reason: RegExp }> = {
  'params-empty-object': { params: {}, reason: /type is missing/ },
  'type-missing': { params: { items: { [VM.id]: VM } }, reason: /type is missing/ },
  'type-other': { params: { type: 'update', items: {} }, reason: /type is a string \("update"\)/ },
  'type-number': { params: { type: 1, items: {} }, reason: /type is a number \(1\)/ },
  'type-null': { params: { type: null, items: {} }, reason: /type is null/ },
  'enter-items-missing': { params: { type: 'enter' }, reason: /items are missing/ },
  'exit-items-missing': { params: { type: 'exit' }, reason: /items are missing/ },
  'items-null': { params: { type: 'enter', items: null }, reason: /items are null/ },
  'items-array': { params: { type: 'enter', items: [VM] }, reason: /items are an array of 1/ },
  'items-number': { params: { type: 'exit', items: 5 }, reason: /items are a number \(5\)/ },
  'items-string': { params: { type: 'exit', items: VM.id }, reason: /items are a string \("vm-1"\)/ },
  'items-boolean': { params: { type: 'enter', items: true }, reason: /items are a boolean \(true\)/ },
}

interface Row {
  case: HostileCase
  /** refused before sign-in ("not an XO API"), or counted once connected */
  refused?: boolean
  /** what the log says, after "not an XO API: " or "XO sent " */
  reason: RegExp
  /** bad frames counted (connected rows) */
  badFrames?: number
  /** the xo-events messages, in order (connected rows) */
  events?: string[]
  /** the objects' first load failed (and was tried again) */
  loadFailed?: boolean
}

const ROWS: Record<string, Row> = {}
const add = (name: string, row: Row) => {
  assert.ok(!(name in ROWS), `row ${name} twice`)
  assert.ok(/^[A-Za-z0-9_.$-]+$/.test(name), `row name ${name} fits in a URL path`)
  ROWS[name] = row
}
const once = (frames: (id: number) => Frame[]) => (id: unknown, asked: number) =>
  asked === 0 ? frames(id as number) : undefined
const always = (frames: (id: number) => Frame[]) => (id: unknown) => frames(id as number)

for (const [name, bad] of Object.entries(BAD_FRAMES)) {
  add(`sign-in.${name}`, {
    case: { answers: { 'session.signIn': always((id) => [bad.frame(id)]) } },
    refused: true,
    reason: bad.beforeSignIn ?? bad.answering ?? bad.reason,
  })
  add(`version.${name}`, {
    case: { answers: { 'system.getServerVersion': always((id) => [bad.frame(id)]) } },
    refused: true,
    reason: bad.answering ?? bad.reason,
  })
  add(`objects-alongside.${name}`, {
    case: { answers: { 'xo.getAllObjects': once((id) => [ANSWER, bad.frame(id)]) }, afterObjects: [VM_STARTS] },
    reason: bad.reason,
    badFrames: 1,
    events: [STARTED],
  })
  if (bad.names) {
    add(`objects-instead.${name}`, {
      case: { answers: { 'xo.getAllObjects': once((id) => [bad.frame(id)]) }, afterObjects: [VM_STARTS] },
      reason: bad.answering ?? bad.reason,
      badFrames: 1,
      events: [STARTED],
      loadFailed: true,
    })
  }
  add(`connected.${name}`, {
    case: { afterObjects: [bad.frame(NOBODY), VM_STARTS] },
    reason: bad.reason,
    badFrames: 1,
    events: [STARTED],
  })
}
add('sign-in.welcome-on-open', {
  case: { onOpen: [text('Welcome!')] },
  refused: true,
  reason: /frame is not JSON: Welcome!/,
})
add('sign-in.notification-on-open', {
  case: { onOpen: [json(notify({ type: 'enter', items: { [VM.id]: VM } }))] },
  refused: true,
  reason: EARLY,
})
add('connected.huge-not-json', {
  case: { afterObjects: [text(`{${'x'.repeat(8 * 1024 * 1024)}`), VM_STARTS] },
  reason: /frame is not JSON: \{x/,
  badFrames: 1,
  events: [STARTED],
})
for (const [name, result] of Object.entries(NOT_USERS)) {
  add(`sign-in.user-${name}`, {
    case: { answers: { 'session.signIn': always((id) => [json({ jsonrpc: '2.0', id, result })]) } },
    refused: true,
    reason: /session\.signIn answered .+ instead of a user/,
  })
}
for (const [name, result] of Object.entries(NOT_VERSIONS)) {
  add(`version.version-${name}`, {
    case: { answers: { 'system.getServerVersion': always((id) => [json({ jsonrpc: '2.0', id, result })]) } },
    refused: true,
    reason: /system\.getServerVersion answered .+ instead of a version/,
  })
}
for (const [name, { result, reason }] of Object.entries(NOT_INVENTORIES)) {
  add(`objects-instead.inventory-${name}`, {
    case: {
      answers: { 'xo.getAllObjects': once((id) => [json({ jsonrpc: '2.0', id, result })]) },
      afterObjects: [VM_STARTS],
    },
    reason,
    badFrames: 1,
    events: [STARTED],
    loadFailed: true,
  })
}
const inventoryWith = (items: Record<string, string>) =>
  `{${Object.entries({ [POOL.id]: raw(POOL), [HOST.id]: raw(HOST), [VM.id]: raw(VM), ...items })
    .map(([id, r]) => `${JSON.stringify(id)}:${r}`)
    .join(',')}}`
const leftOut = (reason: RegExp, where: string) =>
  new RegExp(`1 malformed object\\(s\\) ${where}, left out: ${reason.source}`)
for (const [name, junk] of Object.entries(JUNK)) {
  // An inventory holds the good VM; a malformed one is another object (in a notification, it may be a version of the VM).
  const id = junk.id === VM.id ? 'vm-9' : junk.id
  add(`objects.item-${name}`, {
    case: {
      answers: {
        'xo.getAllObjects': once((id_) => [
          text(`{"jsonrpc":"2.0","id":${id_},"result":${inventoryWith({ [id]: junk.raw })}}`),
          VM_STARTS,
        ]),
      },
    },
    reason: leftOut(junk.reason, 'in its inventory'),
    badFrames: 1,
    events: [STARTED],
  })
  add(`objects.ndjson-line-${name}`, {
    case: { ndjson: `${[raw(POOL), raw(HOST), junk.raw, raw(VM)].join('\n')}\n`, afterObjects: [VM_STARTS] },
    reason: leftOut(junk.reason, 'in its inventory'),
    badFrames: 1,
    events: [STARTED],
  })
  add(`connected.item-${name}`, {
    case: { afterObjects: [enterRaw({ [junk.id]: junk.raw }), VM_STARTS] },
    reason: new RegExp(`an "all" notification with 1 malformed object\\(s\\), left out: ${junk.reason.source}`),
    badFrames: 1,
    events: [STARTED],
  })
}
add('objects.ndjson-line-not-json', {
  case: { ndjson: [raw(POOL), raw(HOST), '{"id": "vm-9", not json', raw(VM)].join('\n'), afterObjects: [VM_STARTS] },
  reason: leftOut(/a line that is not JSON/, 'in its inventory'),
  badFrames: 1,
  events: [STARTED],
})
add('objects.ndjson-good', {
  case: { ndjson: [raw(POOL), raw(HOST), raw(VM)].join('\n'), afterObjects: [VM_STARTS] },
  reason: /never/,
  badFrames: 0,
  events: [STARTED],
})
add('connected.item-mixed', {
  case: { afterObjects: [enterRaw({ 'vm-2': raw({ ...VM, id: 'vm-2' }), 'vm-9': 'null' }), VM_STARTS] },
  reason: /an "all" notification with 1 malformed object\(s\), left out: null instead of an object/,
  badFrames: 1,
  // vm-2's creation goes out once XO has finished making it (quiet for a second): after vm-1's start.
  events: [STARTED, 'VM.created vm-2'],
})
add('connected.many-bad-frames', {
  case: { afterObjects: [...Object.values(BAD_FRAMES).map((bad) => bad.frame(NOBODY)), VM_STARTS] },
  reason: /frame is not JSON: Welcome!/,
  badFrames: Object.keys(BAD_FRAMES).length,
  events: [STARTED],
})
for (const [name, { params, reason }] of Object.entries(ODD_PARAMS)) {
  add(`connected.${name}`, {
    case: { afterObjects: [json(notify(params)), VM_STARTS] },
    reason: new RegExp(`a malformed "all" notification: ${reason.source}`),
    badFrames: 1,
    events: [STARTED],
  })
}

/** What a client may send XO: requests, never an answer to anything XO sent. */
const REQUESTS = new Set(['session.signIn', 'system.getServerVersion', 'xo.getAllObjects', 'system.getMethodsInfo'])

// The xo-events node's messages, shown as its status by a function node: the table reads them from the editor's socket.
const RECORD_EVENTS = `
const seen = context.get('seen') || []
seen.push(msg.topic + ' ' + msg.payload.id)
context.set('seen', seen)
node.status({ text: seen.join(', ') })
return null`

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

describe('hostile "XO" frames against the stock node-red entry point', function () {
  this.timeout(120_000)
  let red: StockNodeRed
  let hostile: HostileXo
  let welcome: http.Server

  before(async () => {
    hostile = await new HostileXo({
      ...Object.fromEntries(Object.entries(ROWS).map(([name, row]) => [name, row.case])),
      echo: { echo: true },
    }).start()
    welcome = http.createServer((_req, res) => res.writeHead(200).end('Welcome!'))
    await new Promise<void>((resolve) => welcome.listen(0, '127.0.0.1', resolve))
    red = await StockNodeRed.start()
    const flow: Array<Record<string, unknown>> = [{ id: 'tab', type: 'tab', label: 'hostile' }]
    for (const name of [...Object.keys(ROWS), 'echo']) {
      flow.push(
        {
          id: `s-${name}`,
          type: 'xo-server',
          url: hostile.caseUrl(name),
          authMethod: 'token',
          credentials: { token: 'not-a-real-token' },
        },
        {
          id: `e-${name}`,
          type: 'xo-events',
          z: 'tab',
          server: `s-${name}`,
          types: ['VM'],
          events: ['started', 'created', 'updated', 'removed'],
          wires: [[`f-${name}`]],
        },
        { id: `f-${name}`, type: 'function', z: 'tab', func: RECORD_EVENTS, outputs: 0, wires: [] },
        {
          id: `c-${name}`,
          type: 'xo-call',
          z: 'tab',
          server: `s-${name}`,
          method: 'system.getServerVersion',
          wires: [[]],
        },
      )
    }
    await red.deploy(flow)
  })

  after(async () => {
    await red?.dispose()
    await hostile?.stop()
    welcome?.closeAllConnections()
    await new Promise((resolve) => welcome?.close(resolve))
  })

  afterEach(() => {
    assert.deepEqual(red.crashes, [], `Node-RED exited:\n${red.log.slice(-3000)}`)
    assert.ok(red.alive, 'Node-RED runs')
  })

  /** Nothing the client sent answers a frame: only its own requests, each with an id of its own. */
  const assertOnlyRequests = (name: string) => {
    const frames = hostile.received.get(name) ?? []
    assert.ok(frames.length > 0, `${name}: the client asked something`)
    for (const frame of frames) {
      const request = JSON.parse(frame) as Record<string, unknown>
      assert.equal(request.jsonrpc, '2.0', frame)
      assert.ok(REQUESTS.has(request.method as string), `${name}: the client sent ${frame.slice(0, 200)}`)
      assert.equal(typeof request.id, 'number', frame)
      assert.ok(!('result' in request) && !('error' in request), `${name}: the client answered: ${frame.slice(0, 200)}`)
    }
  }

  for (const [name, row] of Object.entries(ROWS)) {
    if (row.refused) {
      it(`refuses ${name} as "not an XO API" in the statuses and the log, without answering it`, async () => {
        for (const id of [`e-${name}`, `c-${name}`]) {
          const status = await red.waitForStatus(id, (s) => /not an XO API/.test(s.text ?? ''))
          assert.equal(status.fill, 'red')
        }
        await red.waitForLog(
          new RegExp(`XO unreachable at ws://[^ ]+/${escapeRegExp(name)}/api/ \\(not an XO API: ${row.reason.source}`),
        )
        assertOnlyRequests(name)
      })
      continue
    }
    it(`counts ${name} once connected, says it in the statuses and the log, and the next good frame still works`, async () => {
      const events = await red.waitForStatus(
        `f-${name}`,
        (s) => (s.text ?? '').split(', ').length >= row.events!.length,
      )
      assert.deepEqual(events.text?.split(', '), row.events)
      const counted = row.badFrames ? `connected; XO sent ${row.badFrames} bad frame(s)` : undefined
      const status = await red.waitForStatus(`e-${name}`, (s) =>
        counted ? s.text === counted : s.text === 'connected · 1 event',
      )
      assert.equal(status.fill, row.badFrames ? 'yellow' : 'green')
      if (row.badFrames) {
        await red.waitForStatus(`c-${name}`, (s) => /XO sent \d+ bad frame\(s\)/.test(s.text ?? ''))
        await red.waitForLog(new RegExp(`ws://[^ ]+/${escapeRegExp(name)}/api/: XO sent ${row.reason.source}`))
      }
      if (row.loadFailed)
        await red.waitForLog(
          new RegExp(
            `\\[xo-server:s-${escapeRegExp(name)}\\] could not load XO's objects: .*\\(trying again in \\d+ s\\)`,
          ),
        )
      assertOnlyRequests(name)
    })
  }

  it('never answers what an echoing server sends back: no reply loop', async () => {
    await red.waitForStatus('e-echo', (s) => /not an XO API/.test(s.text ?? ''))
    // Another attempt comes after the backoff: by then a client that answers garbage would have sent thousands.
    const before = hostile.connections.get('echo') ?? 0
    await waitFor(
      () => (hostile.connections.get('echo') ?? 0) > before && hostile.received.get('echo')!.length >= before + 1,
      {
        // the backoff grows to a minute
        timeoutMs: 70_000,
        what: 'another sign-in attempt',
      },
    )
    const frames = hostile.received.get('echo')!.map((f) => JSON.parse(f) as { method?: string })
    // One request per attempt, and nothing else: no answer to the echoed request, no error frame.
    assert.ok(
      frames.length <= hostile.connections.get('echo')!,
      `${frames.length} frames over ${hostile.connections.get('echo')} sockets`,
    )
    assert.deepEqual(new Set(frames.map((f) => f.method)), new Set(['session.signIn']))
  })

  it('answers an editor look-up aimed at a URL that is not XO with an error, and keeps running', async () => {
    const lookup = (url: string) =>
      red.request('/xo-server/lookup/methods', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ url, authMethod: 'token', token: 'x' }),
      })
    const ws = await lookup(hostile.caseUrl('sign-in.not-json'))
    assert.equal(ws.status, 502)
    assert.match(((await ws.json()) as { error: string }).error, /not an XO API: frame is not JSON: Welcome!/)
    const plain = await lookup(`http://127.0.0.1:${(welcome.address() as AddressInfo).port}/`)
    assert.equal(plain.status, 502)
    assert.match(((await plain.json()) as { error: string }).error, /no XO API at this URL \(HTTP 200\)/)
  })
})
